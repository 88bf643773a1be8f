# ruff: noqa: N802 - gRPC method names
"""The Career gRPC API (and, transcoded by the gateway, its HTTP API).

Use cases answer plain dicts named like the messages' fields; they become
messages through the protobuf JSON mapping, so the answer and the contract
cannot drift apart field by field.
"""

from __future__ import annotations

from typing import Any, TypeVar

import grpc
from google.api import httpbody_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

from career.domain.ladders import Criteria
from career.domain.succession import Successor
from career.service_layer.files import CareerFiles
from career.service_layer.mentoring import Mentoring
from career.service_layer.promotion import Promotions
from career.service_layer.talent import TalentReview
from career.service_layer.training import Training
from career.service_layer.transfers import Transfers
from secretariat.career.v1 import career_pb2 as pb
from secretariat.career.v1 import career_pb2_grpc
from secretariat_shared.grpc_server import current_identity
from secretariat_shared.paging import page_of

Context = grpc.ServicerContext
M = TypeVar("M", bound=Message)


def _to(message: M, values: dict[str, Any]) -> M:
    return json_format.ParseDict(values, message, ignore_unknown_fields=True)


def _many(message: M, items: list[dict[str, Any]], total: int, page: int, size: int) -> M:
    return _to(message, {"items": items, "total": total, "page": page, "page_size": size})


class CareerServicer(career_pb2_grpc.CareerServicer):
    def __init__(
        self,
        promotions: Promotions,
        transfers: Transfers,
        files: CareerFiles,
        training: Training,
        mentoring: Mentoring,
        talent: TalentReview,
    ) -> None:
        self.promotions = promotions
        self.transfers = transfers
        self.files = files
        self.training = training
        self.mentoring = mentoring
        self.talent = talent

    # -- C-01 ------------------------------------------------------------------

    def ListLadders(
        self, request: pb.ListLaddersRequest, context: Context
    ) -> pb.ListLaddersResponse:
        page = page_of(request.page, request.page_size)
        ladders = self.promotions.ladders()
        return _many(
            pb.ListLaddersResponse(),
            ladders[page.offset : page.offset + page.limit],
            len(ladders),
            page.page,
            page.page_size,
        )

    def PutRung(self, request: pb.PutRungRequest, context: Context) -> pb.Rung:
        c = request.criteria
        criteria = Criteria(c.min_tenure_years, c.min_annual_grade, c.min_teamwork, c.min_team_size)
        return _to(
            pb.Rung(),
            self.promotions.put_rung(current_identity(), request.ladder, request.rung, criteria),
        )

    def PutPost(self, request: pb.PutPostRequest, context: Context) -> pb.PostRecord:
        return _to(
            pb.PostRecord(),
            self.promotions.put_post(
                current_identity(),
                request.username,
                request.ladder,
                request.rung,
                request.post,
                request.started_on,
            ),
        )

    def GetEligibility(self, request: pb.GetEligibilityRequest, context: Context) -> pb.Eligibility:
        return _to(
            pb.Eligibility(),
            self.promotions.eligibility(current_identity(), request.username, request.target_rung),
        )

    def ProposeExceptionalPromotion(
        self, request: pb.ProposeExceptionalPromotionRequest, context: Context
    ) -> pb.Promotion:
        return _to(
            pb.Promotion(),
            self.promotions.propose(
                current_identity(), request.username, request.target_rung, request.reasons
            ),
        )

    def GetPromotion(self, request: pb.GetPromotionRequest, context: Context) -> pb.Promotion:
        return _to(pb.Promotion(), self.promotions.get_promotion(current_identity(), request.id))

    # -- C-02 ------------------------------------------------------------------

    def CreateVacancy(self, request: pb.CreateVacancyRequest, context: Context) -> pb.Vacancy:
        return _to(
            pb.Vacancy(),
            self.transfers.create_vacancy(
                current_identity(),
                request.title,
                request.department_code,
                request.quarter,
                request.description,
            ),
        )

    def ListVacancies(
        self, request: pb.ListVacanciesRequest, context: Context
    ) -> pb.ListVacanciesResponse:
        page = page_of(request.page, request.page_size)
        items, total = self.transfers.list_vacancies(request.include_closed, page)
        return _many(pb.ListVacanciesResponse(), items, total, page.page, page.page_size)

    def CloseVacancy(self, request: pb.CloseVacancyRequest, context: Context) -> pb.Vacancy:
        return _to(pb.Vacancy(), self.transfers.close_vacancy(current_identity(), request.id))

    def Apply(self, request: pb.ApplyRequest, context: Context) -> pb.Application:
        return _to(
            pb.Application(),
            self.transfers.apply(current_identity(), request.id, request.statement),
        )

    def GetApplication(self, request: pb.GetApplicationRequest, context: Context) -> pb.Application:
        return _to(pb.Application(), self.transfers.get_application(current_identity(), request.id))

    def CheckIn(self, request: pb.CheckInRequest, context: Context) -> pb.Application:
        return _to(
            pb.Application(), self.transfers.check_in(current_identity(), request.id, request.note)
        )

    def PutTransferAssessment(
        self, request: pb.PutTransferAssessmentRequest, context: Context
    ) -> pb.TransferAssessment:
        return _to(
            pb.TransferAssessment(),
            self.transfers.put_assessment(
                current_identity(), request.username, request.passed, request.assessed_on
            ),
        )

    # -- C-03 ------------------------------------------------------------------

    def GetCareerFile(self, request: pb.GetCareerFileRequest, context: Context) -> pb.CareerFile:
        return _to(pb.CareerFile(), self.files.get(current_identity(), request.username))

    def PutCareerFile(self, request: pb.PutCareerFileRequest, context: Context) -> pb.CareerFile:
        return _to(
            pb.CareerFile(),
            self.files.put(
                current_identity(),
                request.username,
                list(request.interests),
                list(request.skills),
                list(request.goals),
                list(request.anchor_answers),
            ),
        )

    # -- C-04 ------------------------------------------------------------------

    def CreateCourse(self, request: pb.CreateCourseRequest, context: Context) -> pb.Course:
        return _to(
            pb.Course(),
            self.training.create_course(
                current_identity(), request.title, request.kind, request.hours, request.certificate
            ),
        )

    def Enrol(self, request: pb.EnrolRequest, context: Context) -> pb.Enrolment:
        return _to(
            pb.Enrolment(), self.training.enrol(current_identity(), request.id, request.username)
        )

    def CompleteCourse(self, request: pb.CompleteCourseRequest, context: Context) -> pb.Completion:
        return _to(
            pb.Completion(),
            self.training.complete(
                current_identity(), request.id, request.username, request.hours, request.certificate
            ),
        )

    def GetTrainingHours(
        self, request: pb.GetTrainingHoursRequest, context: Context
    ) -> pb.TrainingHours:
        return _to(
            pb.TrainingHours(),
            self.training.hours(current_identity(), request.username, request.year),
        )

    # -- C-05 / C-06 -------------------------------------------------------------

    def CreateMentorship(
        self, request: pb.CreateMentorshipRequest, context: Context
    ) -> pb.Mentorship:
        return _to(
            pb.Mentorship(),
            self.mentoring.create(
                current_identity(), request.mentor, request.mentee, request.kind, request.starts_on
            ),
        )

    def GetMentorship(self, request: pb.GetMentorshipRequest, context: Context) -> pb.Mentorship:
        return _to(pb.Mentorship(), self.mentoring.get(current_identity(), request.id))

    def LogSession(self, request: pb.LogSessionRequest, context: Context) -> pb.Session:
        return _to(
            pb.Session(),
            self.mentoring.log_session(
                current_identity(), request.id, request.held_on, request.hours, request.note
            ),
        )

    def RateMentor(self, request: pb.RateMentorRequest, context: Context) -> pb.Mentorship:
        return _to(
            pb.Mentorship(), self.mentoring.rate(current_identity(), request.id, request.score)
        )

    def ListGoldMentors(
        self, request: pb.ListGoldMentorsRequest, context: Context
    ) -> pb.ListGoldMentorsResponse:
        page = page_of(request.page, request.page_size)
        gold = self.mentoring.gold(request.quarter)
        return _many(
            pb.ListGoldMentorsResponse(),
            gold[page.offset : page.offset + page.limit],
            len(gold),
            page.page,
            page.page_size,
        )

    def StartRotation(self, request: pb.StartRotationRequest, context: Context) -> pb.Rotation:
        return _to(
            pb.Rotation(),
            self.mentoring.start_rotation(
                current_identity(),
                request.username,
                request.to_department,
                request.post,
                request.goal_statement,
                request.starts_on,
            ),
        )

    def FileRotationReport(
        self, request: pb.FileRotationReportRequest, context: Context
    ) -> pb.Rotation:
        return _to(
            pb.Rotation(),
            self.mentoring.file_report(current_identity(), request.id, request.report),
        )

    # -- C-07 / C-08 -------------------------------------------------------------

    def PlaceTalent(self, request: pb.PlaceTalentRequest, context: Context) -> pb.Placement:
        return _to(
            pb.Placement(),
            self.talent.place(
                current_identity(), request.year, request.username, request.potential
            ),
        )

    def GetTalentReview(
        self, request: pb.GetTalentReviewRequest, context: Context
    ) -> pb.TalentReview:
        return _to(pb.TalentReview(), self.talent.review(current_identity(), request.year))

    def GetTalentGrid(
        self, request: pb.GetTalentReviewRequest, context: Context
    ) -> httpbody_pb2.HttpBody:
        svg = self.talent.grid(current_identity(), request.year)
        return httpbody_pb2.HttpBody(content_type="image/svg+xml", data=svg.encode("utf-8"))

    def GetSuccession(self, request: pb.GetSuccessionRequest, context: Context) -> pb.Succession:
        return _to(pb.Succession(), self.talent.get_succession(current_identity(), request.post))

    def PutSuccession(self, request: pb.PutSuccessionRequest, context: Context) -> pb.Succession:
        successors = [Successor(s.username, s.readiness) for s in request.successors]
        return _to(
            pb.Succession(),
            self.talent.put_succession(
                current_identity(), request.post, request.title, request.holder, successors
            ),
        )

    def ListSuccessions(
        self, request: pb.ListSuccessionsRequest, context: Context
    ) -> pb.ListSuccessionsResponse:
        page = page_of(request.page, request.page_size)
        items, total = self.talent.list_successions(current_identity(), request.flagged_only, page)
        return _many(pb.ListSuccessionsResponse(), items, total, page.page, page.page_size)

    def FileGrowthPlan(self, request: pb.FileGrowthPlanRequest, context: Context) -> pb.Succession:
        return _to(
            pb.Succession(),
            self.talent.file_growth_plan(
                current_identity(), request.post, request.quarter, request.plan
            ),
        )
