"""The Career gRPC API over a real channel (identity, mapping, errors) and
performance's events arriving over a real bus (embedded transport, RabbitMQ
when configured)."""

from __future__ import annotations

import grpc
import pytest
from career_testkit import HR, LEAD, OUTSIDER, STAFF, Harness

from career.adapters.orm import platform
from career.bootstrap import ANNUAL_GRADE_PUBLISHED, subscriptions
from career.entrypoints.grpc_servicer import CareerServicer
from secretariat.career.v1 import career_pb2 as pb
from secretariat.career.v1 import career_pb2_grpc
from secretariat.career.v1 import events_pb2 as career_events
from secretariat_shared.bus import BusTopology
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.events import make_envelope
from secretariat_shared.grpc_server import identity_metadata
from secretariat_shared.identity import SERVICE_AUDIENCE, Identity, IdentitySigner
from secretariat_shared.service import Servicer
from secretariat_shared.testing import GrpcServerFactory, deliver_over_bus, keypair_for_tests

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(harness: Harness, grpc_server: GrpcServerFactory) -> career_pb2_grpc.CareerStub:
    c = harness.cases
    servicer = CareerServicer(c.promotions, c.transfers, c.files, c.training, c.mentoring, c.talent)
    server = grpc_server(
        servicers=[Servicer.of(pb, career_pb2_grpc, "Career", servicer)], clock=harness.clock
    )
    return career_pb2_grpc.CareerStub(server.channel)


def as_(harness: Harness, who: Identity) -> tuple[tuple[str, str], ...]:
    signer = IdentitySigner(keypair_for_tests()[0], harness.clock)
    return identity_metadata(signer.sign(who, SERVICE_AUDIENCE, 60))


def test_c01_eligibility_over_grpc_lists_every_criterion(
    stub: career_pb2_grpc.CareerStub, harness: Harness
) -> None:
    ladders = stub.ListLadders(pb.ListLaddersRequest(), metadata=as_(harness, STAFF))
    assert [ladder.key for ladder in ladders.items] == ["management", "professional"]
    assert ladders.total == 2
    supervisor = ladders.items[0].rungs[1]
    assert (supervisor.rung, supervisor.criteria.min_team_size) == ("supervisor", 5)
    stub.PutPost(
        pb.PutPostRequest(
            username=LEAD.username, ladder="management", rung="specialist", started_on="2022-01-01"
        ),
        metadata=as_(harness, HR),
    )
    got = stub.GetEligibility(
        pb.GetEligibilityRequest(username=LEAD.username), metadata=as_(harness, LEAD)
    )
    assert got.target_rung == "supervisor"
    assert not got.eligible
    assert [(c.key, c.held) for c in got.criteria] == [
        ("tenure_in_post", True),
        ("annual_grade", False),
        ("teamwork", False),
        ("team_size", True),
    ]
    with pytest.raises(grpc.RpcError) as hidden:
        stub.GetEligibility(
            pb.GetEligibilityRequest(username=LEAD.username), metadata=as_(harness, OUTSIDER)
        )
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND


def test_c02_ineligible_application_names_the_failing_criteria(
    stub: career_pb2_grpc.CareerStub, harness: Harness
) -> None:
    vacancy = stub.CreateVacancy(
        pb.CreateVacancyRequest(title="会议组织专员", department_code="FIN", quarter="2026-Q1"),
        metadata=as_(harness, HR),
    )
    with pytest.raises(grpc.RpcError) as refused:
        stub.Apply(pb.ApplyRequest(id=vacancy.id), metadata=as_(harness, STAFF))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {e.field for e in field_errors_of(refused.value)} == {
        "eligibility.tenure_in_post",
        "eligibility.annual_grade",
        "eligibility.transfer_assessment",
    }
    stub.CloseVacancy(pb.CloseVacancyRequest(id=vacancy.id), metadata=as_(harness, HR))
    with pytest.raises(grpc.RpcError) as closed:
        stub.Apply(pb.ApplyRequest(id=vacancy.id), metadata=as_(harness, STAFF))
    assert closed.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_c05_negative_session_is_invalid_and_c07_grid_is_svg(
    stub: career_pb2_grpc.CareerStub, harness: Harness
) -> None:
    m = stub.CreateMentorship(
        pb.CreateMentorshipRequest(mentor=LEAD.username, mentee=STAFF.username),
        metadata=as_(harness, HR),
    )
    with pytest.raises(grpc.RpcError) as negative:
        stub.LogSession(pb.LogSessionRequest(id=m.id, hours=-1), metadata=as_(harness, LEAD))
    assert negative.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    stub.PlaceTalent(
        pb.PlaceTalentRequest(year=2026, username=STAFF.username, potential=3),
        metadata=as_(harness, HR),
    )
    grid = stub.GetTalentGrid(pb.GetTalentReviewRequest(year=2026), metadata=as_(harness, HR))
    assert grid.content_type == "image/svg+xml"
    assert grid.data.startswith(b"<svg")
    assert "姓名sec.staff1".encode() in grid.data


def test_p07_annual_grades_arrive_over_the_bus_once(
    harness: Harness, bus_url: str, bus_namespace: str
) -> None:
    grades = [
        make_envelope(
            ANNUAL_GRADE_PUBLISHED,
            "performance",
            LEAD.username,
            career_events.AnnualGradePublished(
                username=LEAD.username, year=year, grade="excellent", teamwork_score=95
            ),
            harness.clock.now(),
        )
        for year in (2024, 2025)
    ]
    settled = deliver_over_bus(
        bus_url,
        BusTopology(prefix=f"{bus_namespace}."),
        subscriptions(harness.cases),
        grades,  # each published twice: a duplicate delivery
        service="career",
        db=harness.db,
        tables=platform,
        clock=harness.clock,
    )
    assert settled == 4
    assert harness.cases.promotions.priority(LEAD.username)
    assert harness.event_types().count("career.promotion.flagged") == 1
