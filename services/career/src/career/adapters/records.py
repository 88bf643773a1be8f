"""Every career repository over one session: what a use case asks for by name
(issue 11 item 4)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from career.adapters import orm
from career.adapters.development_records import CareerFileRows, Completions, Courses, Enrolments
from career.adapters.ladder_records import (
    AnnualResults,
    Posts,
    PriorityFlags,
    Rungs,
    TransferAssessments,
)
from career.adapters.mentoring_records import MentoringSessions, Mentorships, NewHires, Rotations
from career.adapters.movement_records import Applications, Promotions, Vacancies
from career.adapters.talent_records import Placements, Successions
from secretariat_shared.timers import TimerStore

TIMERS = TimerStore(orm.platform)
"""The career service's timers (X-05), scheduled and cancelled in the caller's session."""


class CareerRecords:
    """The career tables' repositories, all in ``session``."""

    def __init__(self, session: Session) -> None:
        self.rungs = Rungs(session)
        self.posts = Posts(session)
        self.annual_results = AnnualResults(session)
        self.priority_flags = PriorityFlags(session)
        self.transfer_assessments = TransferAssessments(session)
        self.promotions = Promotions(session)
        self.vacancies = Vacancies(session)
        self.applications = Applications(session)
        self.career_files = CareerFileRows(session)
        self.courses = Courses(session)
        self.enrolments = Enrolments(session)
        self.completions = Completions(session)
        self.mentorships = Mentorships(session)
        self.sessions = MentoringSessions(session)
        self.rotations = Rotations(session)
        self.new_hires = NewHires(session)
        self.placements = Placements(session)
        self.successions = Successions(session)
