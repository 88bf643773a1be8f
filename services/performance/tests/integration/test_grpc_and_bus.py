"""The Performance gRPC API over a real channel (identity, errors, X-03) and the
fact consumer on a real bus (embedded transport; RabbitMQ when configured)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from performance_testkit import ALICE, BOB, HEAD, HR, Harness, person
from sqlalchemy import func, select

from performance.adapters import orm
from performance.adapters.orm import platform
from performance.entrypoints.grpc_servicer import PerformanceServicer
from performance.service_layer.rotation_reviews import ROTATION_COMPLETED
from secretariat.career.v1 import events_pb2 as career_events
from secretariat.documents.v1 import events_pb2 as documents
from secretariat.performance.v1 import performance_pb2 as pb
from secretariat.performance.v1 import performance_pb2_grpc
from secretariat_shared.bus import BusTopology, EventPublisher
from secretariat_shared.consumer import EventConsumer
from secretariat_shared.events import make_envelope
from secretariat_shared.grpc_server import GrpcService, RunningService, identity_metadata
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
    IdentityVerifier,
    generate_keypair,
)
from secretariat_shared.uow import UnitOfWork

pytestmark = pytest.mark.integration

PRIVATE, PUBLIC = generate_keypair()


@pytest.fixture
def stub(harness: Harness) -> Iterator[performance_pb2_grpc.PerformanceStub]:
    servicer = PerformanceServicer(
        harness.appraisals, harness.appeals, harness.followups, harness.rotation_reviews
    )
    spec = GrpcService(
        name="performance",
        verifier=IdentityVerifier(PUBLIC, harness.clock, "internal-secret-for-tests-0123456789"),
        register=lambda server: performance_pb2_grpc.add_PerformanceServicer_to_server(
            servicer, server
        ),
        service_names=["secretariat.performance.v1.Performance"],
        grace_seconds=1,
    )
    running = RunningService(spec).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    yield performance_pb2_grpc.PerformanceStub(channel)
    channel.close()
    running.stop()


def as_(harness: Harness, who: Identity) -> tuple[tuple[str, str], ...]:
    return identity_metadata(IdentitySigner(PRIVATE, harness.clock).sign(who, SERVICE_AUDIENCE, 60))


def test_x03_call_without_identity_is_unauthenticated(
    stub: performance_pb2_grpc.PerformanceStub,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetRules(pb.GetRulesRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_p05_cycle_rating_publication_and_result_over_grpc(
    stub: performance_pb2_grpc.PerformanceStub, harness: Harness
) -> None:
    harness.step_completed("ops.alice", True)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreateCycle(
            pb.CreateCycleRequest(kind="quarterly", period="2026-Q4"), metadata=as_(harness, ALICE)
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    cycle = stub.CreateCycle(
        pb.CreateCycleRequest(kind="quarterly", period="2026-Q4"), metadata=as_(harness, HR)
    )
    stub.SubmitRating(
        pb.SubmitRatingRequest(id=cycle.id, subject="ops.alice", group="superior", score=80),
        metadata=as_(harness, HEAD),
    )
    with pytest.raises(grpc.RpcError) as caught:
        stub.SubmitRating(
            pb.SubmitRatingRequest(id=cycle.id, subject="ops.alice", group="peer", score=120),
            metadata=as_(harness, BOB),
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    published = stub.PublishCycle(pb.PublishCycleRequest(id=cycle.id), metadata=as_(harness, HR))
    assert published.state == "published"
    assert published.results == 1
    result = stub.GetResult(
        pb.GetResultRequest(id=cycle.id, username="ops.alice"), metadata=as_(harness, ALICE)
    )
    assert result.score == 88.0
    assert result.rating_formula.startswith("360 = (0.50 × superior) / 0.50")
    assert [g.weight for g in result.groups] == [1.0, 0.0, 0.0]
    assert result.facts[0].source_event_type == "documents.step.completed"
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetResult(
            pb.GetResultRequest(id=cycle.id, username="ops.alice"), metadata=as_(harness, BOB)
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_p02_facts_arrive_over_the_bus_once(
    harness: Harness, bus_url: str, bus_namespace: str
) -> None:
    topology = BusTopology(prefix=f"{bus_namespace}.")

    def uow() -> UnitOfWork:
        return UnitOfWork(harness.db, platform, "performance", harness.clock)

    consumer = EventConsumer(
        bus_url, topology, "performance", harness.db, platform, uow, clock=harness.clock
    )
    for event_type, handler in harness.intake.handlers().items():
        consumer.subscribe(event_type, f"performance.fact.{event_type}", handler)
    consumer.declare()
    publisher = EventPublisher(bus_url, topology)
    try:
        envelope = make_envelope(
            "documents.step.completed",
            "documents",
            "doc",
            documents.StepCompleted(
                document_id="doc", step_id="s1", completed_by="ops.alice", met_deadline=False
            ),
            harness.clock.now(),
        )
        raw = envelope.SerializeToString()
        publisher.publish(raw, "documents.step.completed", envelope.id, "")
        publisher.publish(raw, "documents.step.completed", envelope.id, "")
        settled = 0
        for _ in range(20):
            settled += consumer.consume_once(timeout=1.0)
            if settled >= 2:
                break
        assert settled == 2
    finally:
        consumer.close()
        publisher.close()
    with harness.db.reading() as s:
        rows = s.execute(
            select(orm.facts.c.source_event_id, func.count()).group_by(orm.facts.c.source_event_id)
        ).all()
    assert rows == [(envelope.id, 1)]


def test_p09_title_rules_and_a_months_titles_over_grpc(
    stub: performance_pb2_grpc.PerformanceStub, harness: Harness
) -> None:
    rule = pb.TitleRule(
        code="meeting_star",
        name="会务之星",
        name_en="Meeting Star",
        indicator="meeting_satisfaction",
        require_target=True,
    )
    with pytest.raises(grpc.RpcError) as caught:
        stub.SetTitleRules(pb.SetTitleRulesRequest(rules=[rule]), metadata=as_(harness, ALICE))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as caught:
        stub.SetTitleRules(pb.SetTitleRulesRequest(rules=[rule, rule]), metadata=as_(harness, HR))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "rules[1].code" in (caught.value.details() or "")
    saved = stub.SetTitleRules(pb.SetTitleRulesRequest(rules=[rule]), metadata=as_(harness, HR))
    assert (saved.rules[0].min_facts, saved.rules[0].winners) == (1, 1)
    assert stub.GetTitleRules(pb.GetTitleRulesRequest(), metadata=as_(harness, BOB)) == saved

    harness.survey_closed("ops.alice", 95)
    cycle = stub.CreateCycle(
        pb.CreateCycleRequest(kind="monthly", period="2026-11"), metadata=as_(harness, HR)
    )
    stub.PublishCycle(pb.PublishCycleRequest(id=cycle.id), metadata=as_(harness, HR))
    titles = stub.ListCycleTitles(
        pb.ListCycleTitlesRequest(id=cycle.id), metadata=as_(harness, ALICE)
    )
    [award] = titles.awards
    assert (award.username, award.name, award.value) == ("ops.alice", "会务之星", 95.0)
    assert award.rule.indicator == "meeting_satisfaction"
    assert award.facts[0].source_event_type == "meetings.survey.closed"
    seen_by_bob = stub.ListCycleTitles(
        pb.ListCycleTitlesRequest(id=cycle.id), metadata=as_(harness, BOB)
    )
    assert seen_by_bob.awards[0].username == "ops.alice"
    assert list(seen_by_bob.awards[0].facts) == []
    result = stub.GetResult(
        pb.GetResultRequest(id=cycle.id, username="ops.alice"), metadata=as_(harness, ALICE)
    )
    assert list(result.titles) == ["会务之星"]
    assert [d.name for d in result.development] == [
        "training_hours",
        "certificates",
        "required_training_passed",
    ]
    assert result.development[2].target == 100.0


def test_c06_a_rotation_review_opens_once_over_the_bus_and_is_rated_over_grpc(
    stub: performance_pb2_grpc.PerformanceStub,
    harness: Harness,
    bus_url: str,
    bus_namespace: str,
) -> None:
    topology = BusTopology(prefix=f"{bus_namespace}.")

    def uow() -> UnitOfWork:
        return UnitOfWork(harness.db, platform, "performance", harness.clock)

    consumer = EventConsumer(
        bus_url, topology, "performance", harness.db, platform, uow, clock=harness.clock
    )
    consumer.subscribe(
        ROTATION_COMPLETED,
        "performance.rotation_review",
        harness.rotation_reviews.on_rotation_completed,
    )
    consumer.declare()
    publisher = EventPublisher(bus_url, topology)
    try:
        envelope = make_envelope(
            ROTATION_COMPLETED,
            "career",
            "rot-9",
            career_events.RotationCompleted(
                rotation_id="rot-9", username="ops.alice", to_department="FIN", post="预算专员"
            ),
            harness.clock.now(),
        )
        raw = envelope.SerializeToString()
        publisher.publish(raw, ROTATION_COMPLETED, envelope.id, "")
        publisher.publish(raw, ROTATION_COMPLETED, envelope.id, "")
        settled = 0
        for _ in range(20):
            settled += consumer.consume_once(timeout=1.0)
            if settled >= 2:
                break
        assert settled == 2
    finally:
        consumer.close()
        publisher.close()
    assert len(harness.notices("performance_rotation_review_requested")) == 2

    with pytest.raises(grpc.RpcError) as caught:
        stub.GetRotationReview(
            pb.GetRotationReviewRequest(rotation_id="rot-9"), metadata=as_(harness, BOB)
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as caught:
        stub.SubmitRotationRating(
            pb.SubmitRotationRatingRequest(rotation_id="rot-9", score=90),
            metadata=as_(harness, BOB),
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    rating = stub.SubmitRotationRating(
        pb.SubmitRotationRatingRequest(rotation_id="rot-9", score=80, comment="适应快"),
        metadata=as_(harness, HEAD),
    )
    assert rating.group == "superior"
    stub.SubmitRotationRating(
        pb.SubmitRotationRatingRequest(rotation_id="rot-9", score=90),
        metadata=as_(harness, person("fin.head", "FIN")),
    )

    review = stub.GetRotationReview(
        pb.GetRotationReviewRequest(rotation_id="rot-9"), metadata=as_(harness, ALICE)
    )
    assert review.state == "closed"
    assert list(review.raters) == []
    assert review.score == pytest.approx(82.86)
    assert "renormalised" in review.formula
    assert [(g.group, g.raters) for g in review.groups] == [
        ("superior", 1),
        ("peer", 0),
        ("recipient", 1),
    ]
    seen_by_superior = stub.GetRotationReview(
        pb.GetRotationReviewRequest(rotation_id="rot-9"), metadata=as_(harness, HEAD)
    )
    assert {(r.username, r.group) for r in seen_by_superior.raters} == {
        ("ops.head", "superior"),
        ("fin.head", "recipient"),
    }
