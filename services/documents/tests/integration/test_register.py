"""The document register against a real database (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from documents.adapters.month_sla_collector import MonthSlaCollector
from documents.adapters.orm import platform
from documents.bootstrap import MIGRATIONS
from documents.domain.catalogue import DocumentState, StepKind
from documents.service_layer.approvals import ApprovalEngine
from documents.service_layer.commands import CompleteStep, ListDocuments, RegisterDocument
from documents.service_layer.ports import PersonInfo
from documents.service_layer.sla_report import SlaReports
from documents_testkit import (
    ARCHIVIST,
    CONFIDENTIAL_CLERK,
    DISCIPLINE,
    FIN_CLERK,
    FIN_HEAD,
    HR_CLERK,
    HR_HEAD,
    HR_LEADER,
    IT_HEAD,
    SEC_CLERK,
    TOP_LEADER,
    Harness,
    person,
)
from secretariat.documents.v1 import events_pb2
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.db import Database
from secretariat_shared.errors import (
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.migrations import upgrade
from secretariat_shared.testing import assert_append_only

pytestmark = pytest.mark.integration


def sample(name: str, priority: str, outcome: str) -> float:
    return REGISTRY.get_sample_value(name, {"priority": priority, "outcome": outcome}) or 0.0


def reg(
    title: str = "关于2026年度预算编制的通知",
    dept: str = "HR",
    type_code: str = "04",
    security: str = "internal",
    priority: str = "routine",
    **kw: object,
) -> RegisterDocument:
    return RegisterDocument(
        title=title,
        type_code=type_code,
        department_code=dept,
        security_class=security,
        retention=str(kw.pop("retention", "10y")),
        priority=priority,
        **kw,  # type: ignore[arg-type]
    )


def test_d01_numbers_are_consecutive_per_department_year_and_type(harness: Harness) -> None:
    r = harness.register
    numbers = [r.register(HR_CLERK, reg()).number for _ in range(3)]
    assert numbers == ["HR-2026-04-001", "HR-2026-04-002", "HR-2026-04-003"]
    assert r.register(HR_CLERK, reg(type_code="01")).number == "HR-2026-01-001"
    assert r.register(FIN_CLERK, reg(dept="FIN")).number == "FIN-2026-04-001"
    harness.clock.set(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))
    assert r.register(HR_CLERK, reg()).number == "HR-2027-04-001"


def test_d01_year_is_the_organisation_local_year(harness: Harness) -> None:
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Beijing.
    harness.clock.set(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    assert harness.register.register(HR_CLERK, reg()).number == "HR-2027-04-001"


def test_d01_fifty_parallel_registrations_get_fifty_consecutive_numbers(
    harness: Harness,
) -> None:
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def one() -> None:
        try:
            start.wait()
            number = harness.register.register(HR_CLERK, reg()).number
            with lock:
                numbers.append(number)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(numbers) == [f"HR-2026-04-{i:03d}" for i in range(1, 51)]


def test_d01_a_refused_registration_consumes_no_number(harness: Harness) -> None:
    r = harness.register
    r.register(HR_CLERK, reg())
    with pytest.raises(ValidationFailed):
        r.register(HR_CLERK, reg(readers=["nobody.known"]))
    assert r.register(HR_CLERK, reg()).number == "HR-2026-04-002"


def test_d01_a_rolled_back_registration_gives_its_number_back(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from documents.adapters import repository

    original = repository.DocumentRepository.add

    def failing_add(self: repository.DocumentRepository, document: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(repository.DocumentRepository, "add", failing_add)
    with pytest.raises(RuntimeError):
        harness.register.register(HR_CLERK, reg())
    monkeypatch.setattr(repository.DocumentRepository, "add", original)
    assert harness.register.register(HR_CLERK, reg()).number == "HR-2026-04-001"
    assert harness.outbox_types().count("documents.document.registered") == 1


def test_d02_unknown_type_and_bad_fields_are_refused_with_reasons(harness: Harness) -> None:
    with pytest.raises(ValidationFailed) as caught:
        harness.register.register(
            HR_CLERK,
            reg(title=" ", type_code="13", security="top", priority="asap", retention="5y"),
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"title", "type_code", "security_class", "priority", "retention"}
    with harness.db.reading() as s:
        assert s.scalar(text("SELECT count(*) FROM documents")) == 0


def test_d04_registered_document_carries_its_label(harness: Harness) -> None:
    r = harness.register
    assert r.register(HR_CLERK, reg(priority="urgent")).label_colour.value == "red"
    assert r.register(HR_CLERK, reg(priority="important")).label_colour.value == "blue"
    assert r.register(HR_CLERK, reg()).label_colour.value == "yellow"


def test_x03_classes_are_enforced_on_read_and_list(harness: Harness) -> None:
    r = harness.register
    public = r.register(HR_CLERK, reg(security="public"))
    internal = r.register(HR_CLERK, reg(security="internal"))
    confidential = r.register(HR_CLERK, reg(security="confidential"))
    secret = r.register(
        HR_CLERK, reg(security="secret", readers=["fin.clerk"], handler_username="hr.clerk")
    )

    def visible(who: object) -> set[str]:
        items, total = r.search(who, ListDocuments(page_size=100))  # type: ignore[arg-type]
        assert total == len(items)
        return {d.id for d in items}

    hr_staff = person("hr.staff", "HR")
    assert visible(hr_staff) == {public.id, internal.id}
    assert visible(FIN_HEAD) == {public.id}
    assert visible(IT_HEAD) == {public.id}
    assert visible(HR_HEAD) == {public.id, internal.id, confidential.id}
    assert visible(HR_LEADER) == {public.id, internal.id, confidential.id}
    assert visible(TOP_LEADER) == {public.id, internal.id, confidential.id}
    assert visible(CONFIDENTIAL_CLERK) == {public.id, confidential.id}
    assert visible(FIN_CLERK) == {public.id, secret.id}
    assert visible(HR_CLERK) == {public.id, internal.id, confidential.id, secret.id}
    with pytest.raises(NotFound) as denied:
        r.get(hr_staff, secret.id)
    with pytest.raises(NotFound) as missing:
        r.get(hr_staff, "00000000-0000-0000-0000-000000000000")
    assert type(denied.value) is type(missing.value)
    assert "not found" in str(denied.value)
    assert r.get(FIN_CLERK, secret.id).number == secret.number
    with pytest.raises(NotFound):
        r.get(IT_HEAD, confidential.id)
    assert r.get(HR_LEADER, confidential.id).id == confidential.id
    assert r.get(TOP_LEADER, confidential.id).id == confidential.id


def test_x03_archive_step_of_confidential_and_secret_goes_to_confidential_clerks(
    harness: Harness,
) -> None:
    r = harness.register
    for security, archivists in [
        ("internal", ["sec.archivist", "sec.clerk"]),
        ("confidential", ["sec.mi"]),
        ("secret", ["sec.mi"]),
    ]:
        document = r.register(HR_CLERK, reg(security=security, readers=["hr.head"]))
        handling = document.current_step()
        assert handling is not None
        document = r.complete_step(HR_HEAD, CompleteStep(document.id, handling.id))
        archive = document.current_step()
        assert archive is not None
        assert archive.kind is StepKind.ARCHIVE
        assert archive.owners == archivists, security


def test_x03_after_archiving_the_archivist_who_is_not_named_gets_404(harness: Harness) -> None:
    r = harness.register
    document = r.register(HR_CLERK, reg(security="secret", readers=["hr.head"]))
    handling = document.current_step()
    assert handling is not None
    document = r.complete_step(HR_HEAD, CompleteStep(document.id, handling.id))
    archive = document.current_step()
    assert archive is not None
    assert r.get(CONFIDENTIAL_CLERK, document.id).id == document.id  # the step is theirs
    listed, _ = r.search(CONFIDENTIAL_CLERK, ListDocuments(page_size=100))
    assert [d.id for d in listed] == [document.id]
    r.complete_step(CONFIDENTIAL_CLERK, CompleteStep(document.id, archive.id, "已归档"))
    with pytest.raises(NotFound):
        r.get(CONFIDENTIAL_CLERK, document.id)
    assert r.search(CONFIDENTIAL_CLERK, ListDocuments(page_size=100))[1] == 0
    internal = r.register(HR_CLERK, reg(security="internal"))
    step = internal.current_step()
    assert step is not None
    internal = r.complete_step(HR_HEAD, CompleteStep(internal.id, step.id))
    archive = internal.current_step()
    assert archive is not None
    r.complete_step(ARCHIVIST, CompleteStep(internal.id, archive.id, "已归档"))
    with pytest.raises(NotFound):
        r.get(ARCHIVIST, internal.id)


def test_x03_the_default_handler_does_not_read_a_secret_document_unless_named(
    harness: Harness,
) -> None:
    r = harness.register
    with pytest.raises(ValidationFailed) as refused:
        r.register(HR_CLERK, reg(security="secret"))
    assert refused.value.errors[0].field == "handler_username"
    named = r.register(HR_CLERK, reg(security="secret", readers=["hr.head"]))
    step = named.current_step()
    assert step is not None
    assert step.owners == ["hr.head"]
    with pytest.raises(ValidationFailed) as outsider:
        r.complete_step(HR_HEAD, CompleteStep(named.id, step.id, circulate_to=["fin.clerk"]))
    assert outsider.value.errors[0].field == "circulate_to"


def test_x03_only_own_department_or_secretariat_registers(harness: Harness) -> None:
    with pytest.raises(PermissionDenied):
        harness.register.register(FIN_CLERK, reg(dept="HR"))
    assert harness.register.register(SEC_CLERK, reg(dept="HR")).department_code == "HR"


def test_a02_search_finds_chinese_text_and_combines_filters(harness: Harness) -> None:
    r = harness.register
    budget = r.register(HR_CLERK, reg(title="关于2026年度预算编制的通知", security="public"))
    r.register(HR_CLERK, reg(title="员工培训计划", type_code="08", security="public"))
    r.register(
        FIN_CLERK, reg(title="预算执行情况报告", dept="FIN", type_code="02", security="public")
    )
    items, total = r.search(FIN_CLERK, ListDocuments(q="预算"))
    assert total == 2
    items, total = r.search(FIN_CLERK, ListDocuments(q="预算", department_code="HR"))
    assert [d.id for d in items] == [budget.id]
    items, _ = r.search(FIN_CLERK, ListDocuments(number=budget.number))
    assert [d.id for d in items] == [budget.id]
    items, _ = r.search(FIN_CLERK, ListDocuments(type_code="08"))
    assert [d.title for d in items] == ["员工培训计划"]
    items, _ = r.search(FIN_CLERK, ListDocuments(q="100%"))
    assert items == []
    later = harness.clock.now() + timedelta(days=1)
    assert r.search(FIN_CLERK, ListDocuments(registered_from=later))[1] == 0


def test_list_pagination(harness: Harness) -> None:
    for i in range(5):
        harness.register.register(HR_CLERK, reg(title=f"通知{i}", security="public"))
        harness.clock.advance(60)
    page, total = harness.register.search(HR_CLERK, ListDocuments(page=2, page_size=2))
    assert total == 5
    assert [d.title for d in page] == ["通知2", "通知1"]
    with pytest.raises(ValidationFailed):
        harness.register.search(HR_CLERK, ListDocuments(page_size=1000))


def test_d05_incoming_flow_runs_from_register_to_archive(harness: Harness) -> None:
    r = harness.register
    document = r.register(HR_CLERK, reg(security="confidential"))
    handling = document.current_step()
    assert handling is not None
    assert handling.kind is StepKind.PROPOSED_HANDLING
    assert handling.owners == ["hr.head"]
    assert handling.due_at == harness.clock.now() + timedelta(hours=24)

    document = r.complete_step(
        HR_HEAD,
        CompleteStep(
            document.id, handling.id, "请财务部阅知", circulate_to=["fin.clerk", "hr.staff"]
        ),
    )
    assert document.state is DocumentState.CIRCULATING
    circulation = document.current_step()
    assert circulation is not None
    assert sorted(circulation.owners) == ["fin.clerk", "hr.staff"]
    document = r.complete_step(FIN_CLERK, CompleteStep(document.id, circulation.id, "已阅"))
    assert document.state is DocumentState.CIRCULATING
    document = r.complete_step(person("hr.staff", "HR"), CompleteStep(document.id, circulation.id))
    archive = document.current_step()
    assert archive is not None
    assert archive.kind is StepKind.ARCHIVE
    assert archive.owners == ["sec.mi"]
    document = r.complete_step(CONFIDENTIAL_CLERK, CompleteStep(document.id, archive.id, "已归档"))
    assert document.state is DocumentState.ARCHIVED
    assert document.label_colour.value == "black"
    assert harness.outbox_types() == [
        "documents.document.registered",
        "documents.step.assigned",
        "documents.step.completed",
        "documents.step.assigned",
        "documents.step.assigned",
        "documents.step.completed",
        "documents.step.assigned",
        "documents.flow.completed",  # D-10: the end of circulation ends the measured flow
        "documents.step.completed",
        "documents.document.archived",
    ]


def test_d05_only_the_step_owner_completes_it(harness: Harness) -> None:
    document = harness.register.register(HR_CLERK, reg())
    step = document.current_step()
    assert step is not None
    with pytest.raises(PermissionDenied):
        harness.register.complete_step(HR_CLERK, CompleteStep(document.id, step.id))
    harness.register.complete_step(HR_HEAD, CompleteStep(document.id, step.id))
    with pytest.raises(PreconditionFailed):
        harness.register.complete_step(HR_HEAD, CompleteStep(document.id, step.id))


def test_x05_overdue_step_fires_once_and_notifies_its_owner(harness: Harness) -> None:
    document = harness.register.register(HR_CLERK, reg(priority="urgent"))
    assert harness.scheduler.run_once() == 0
    harness.clock.advance(2 * 3600 + 1)
    assert harness.scheduler.run_once() == 2  # the step's deadline and the flow's (D-10)
    assert harness.scheduler.run_once() == 0
    assert harness.outbox_types().count("documents.step.overdue") == 1
    step = harness.register.get(HR_CLERK, document.id).current_step()
    assert step is not None
    assert step.overdue


def test_x05_completed_step_never_fires(harness: Harness) -> None:
    document = harness.register.register(HR_CLERK, reg(priority="urgent"))
    step = document.current_step()
    assert step is not None
    harness.register.complete_step(
        HR_HEAD, CompleteStep(document.id, step.id, circulate_to=["fin.clerk"])
    )
    harness.clock.advance(2 * 3600 + 1)
    # Only the circulation step opened after it is due now.
    assert harness.scheduler.run_once() == 1
    assert harness.outbox_types().count("documents.step.overdue") == 1


def test_x04_changes_and_classified_reads_are_audited(harness: Harness) -> None:
    r = harness.register
    document = r.register(HR_CLERK, reg(security="secret", readers=["discipline.wu", "hr.head"]))
    r.get(HR_CLERK, document.id)
    entries, total = r.audit_entries(DISCIPLINE, document.id, "", 1, 50)
    assert total == 2
    assert [e["action"] for e in entries] == ["register", "read_classified"]
    assert entries[0]["after"]["number"] == document.number
    with pytest.raises(PermissionDenied):
        r.audit_entries(HR_CLERK, document.id, "", 1, 50)


def test_x03_audit_view_reveals_nothing_of_documents_the_viewer_may_not_read(
    harness: Harness,
) -> None:
    r = harness.register
    secret = r.register(HR_CLERK, reg(security="secret", readers=["hr.head"]))
    public = r.register(HR_CLERK, reg(security="public"))
    r.get(HR_CLERK, secret.id)
    for overseer in (DISCIPLINE, SEC_CLERK):
        entries, total = r.audit_entries(overseer, "", "", 1, 50)
        assert {e["entity_id"] for e in entries} == {public.id}
        assert total == 1
        assert r.audit_entries(overseer, secret.id, "", 1, 50) == ([], 0)
        assert r.audit_entries(overseer, "", "hr.clerk", 1, 50)[1] == 1


def test_x04_audit_trail_is_append_only_on_both_databases(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)
    row = {
        "actor": "hr.clerk",
        "at": datetime(2026, 3, 2, tzinfo=UTC),
        "action": "register",
        "entity_type": "document",
        "entity_id": "d-1",
    }
    assert_append_only(database_url, "audit_log", row)


def test_d10_open_steps_gauge_counts_waiting_and_overdue_steps(harness: Harness) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from documents.adapters.open_steps_collector import OpenStepsCollector

    registry = CollectorRegistry()
    registry.register(OpenStepsCollector(harness.db))
    harness.register.register(HR_CLERK, reg(priority="urgent"))
    harness.register.register(HR_CLERK, reg())
    harness.clock.advance(3 * 3600)
    harness.scheduler.run_once()
    text_out = generate_latest(registry).decode()
    assert (
        'secretariat_document_steps_open{kind="proposed_handling",overdue="true",priority="urgent"} 1.0'
        in text_out
    )
    assert (
        'secretariat_document_steps_open{kind="proposed_handling",overdue="false",priority="routine"} 1.0'
        in text_out
    )


def test_x03_upgrading_removes_archivists_kept_as_readers(database_url: str) -> None:

    from documents.adapters.orm import document_readers, document_steps, documents

    upgrade(MIGRATIONS, database_url, "0003")
    at = datetime(2026, 3, 2, tzinfo=UTC)
    db = Database(database_url)
    try:
        with db.engine.begin() as conn:
            conn.execute(
                documents.insert().values(
                    id="d-1", number="HR-2026-04-001", title="t", type_code="04",
                    department_code="HR", security_class="secret", retention="10y",
                    priority="routine", body="", state="archived", registered_by="hr.clerk",
                    registered_at=at, updated_at=at,
                )
            )  # fmt: skip
            conn.execute(
                document_readers.insert(),
                [
                    {"document_id": "d-1", "username": name}
                    for name in ("hr.clerk", "hr.head", "fin.clerk", "sec.a", "sec.b", "sec.named")
                ],
            )
            for position, (kind, owners) in enumerate(
                [
                    ("register", ["hr.clerk"]),
                    ("proposed_handling", ["hr.head"]),
                    ("circulation", ["fin.clerk"]),
                    ("archive", ["sec.a", "sec.b", "sec.named", "hr.clerk"]),
                ]
            ):
                conn.execute(
                    document_steps.insert().values(
                        id=f"s-{position}", document_id="d-1", position=position, kind=kind,
                        owners=owners, state="done", done_by=owners, completed_by=owners[0],
                        comment="", overdue=False,
                    )
                )  # fmt: skip
            conn.execute(
                platform.audit_log.insert().values(
                    at=at, actor="hr.clerk", action="register", entity_type="document",
                    entity_id="d-1", before=None,
                    after={"readers": ["hr.clerk", "sec.named", "hr.head"]},
                )
            )  # fmt: skip
        upgrade(MIGRATIONS, database_url)
        with db.engine.connect() as conn:
            readers = set(conn.scalars(select(document_readers.c.username)))
        assert readers == {"hr.clerk", "hr.head", "fin.clerk", "sec.named"}
    finally:
        db.dispose()


def test_x04_audit_trail_is_searched_by_entity_type_and_time_range(harness: Harness) -> None:
    r = harness.register
    first = r.register(HR_CLERK, reg(security="public"))
    harness.clock.advance(3600)
    second = r.register(HR_CLERK, reg(security="public"))
    later = harness.clock.now()
    by_type, total = r.audit_entries(DISCIPLINE, "", "", 1, 50, entity_type="document")
    assert total == 2
    assert {e["entity_id"] for e in by_type} == {first.id, second.id}
    assert r.audit_entries(DISCIPLINE, "", "", 1, 50, entity_type="approval") == ([], 0)
    recent, total = r.audit_entries(DISCIPLINE, "", "", 1, 50, at_from=later)
    assert [e["entity_id"] for e in recent] == [second.id]
    early, total = r.audit_entries(DISCIPLINE, "", "", 1, 50, at_to=later - timedelta(minutes=1))
    assert [e["entity_id"] for e in early] == [first.id]


# -- D-05: 拟办 and circulation are reminded, escalated and follow absences -------------------

STAFF = person("hr.staff", "HR")


def monday(hour: int, minute: int = 0, week: int = 0) -> datetime:
    """A Beijing wall-clock time on Monday 2026-03-02 (+ ``week`` weeks), in UTC."""
    return datetime(2026, 3, 2 + 7 * week, hour - 8, minute, tzinfo=UTC)


def test_d05_proposed_handling_follows_the_owners_absence(harness: Harness) -> None:
    harness.away("hr.head", "hr.staff")
    document = harness.register.register(HR_CLERK, reg())
    step = document.current_step()
    assert step is not None
    assert [(s.owner, s.username, s.reason.value) for s in step.stand_ins] == [
        ("hr.head", "hr.staff", "absence")
    ]
    assigned = harness.events("documents.step.assigned", events_pb2.StepAssigned)
    assert [(a.assignee_username, a.on_behalf_of, a.reason) for a in assigned] == [
        ("hr.head", "", ""),
        ("hr.staff", "hr.head", "absence"),
    ]
    done = harness.register.complete_step(
        STAFF, CompleteStep(document.id, step.id, circulate_to=["fin.clerk"])
    )
    assert done.state is DocumentState.CIRCULATING
    assert done.steps[1].acted_for == {"hr.head": "hr.staff"}
    assert "step_acted_for" in harness.audit_actions(document.id)


def test_d05_a_circulation_no_longer_stalls_on_one_absent_reader(harness: Harness) -> None:
    document = harness.register.register(HR_CLERK, reg())
    handling = document.current_step()
    assert handling is not None
    document = harness.register.complete_step(
        HR_HEAD, CompleteStep(document.id, handling.id, circulate_to=["fin.clerk", "hr.staff"])
    )
    circulation = document.current_step()
    assert circulation is not None
    harness.register.complete_step(STAFF, CompleteStep(document.id, circulation.id, "已阅"))
    harness.away("fin.clerk", "fin.head")  # gone after the circulation reached them
    harness.at(monday(9, 1, week=0) + timedelta(days=1))  # the circulation is due: reminder
    [overdue] = harness.events("documents.step.overdue", events_pb2.StepOverdue)
    assert list(overdue.owners) == ["fin.clerk", "fin.head"]
    stand_in = harness.events("documents.step.assigned", events_pb2.StepAssigned)[-1]
    assert (stand_in.assignee_username, stand_in.on_behalf_of) == ("fin.head", "fin.clerk")
    document = harness.register.complete_step(
        FIN_HEAD, CompleteStep(document.id, circulation.id, "代阅")
    )
    assert document.current_step().kind is StepKind.ARCHIVE  # type: ignore[union-attr]
    read = document.steps[2]
    assert read.done_by == ["hr.staff", "fin.clerk"]
    assert read.acted_for == {"fin.clerk": "fin.head"}  # the stand-in read for them, recorded
    audit = platform.audit_log
    with harness.db.reading() as session:
        by_stand_in = session.scalars(
            select(audit.c.action)
            .where(audit.c.entity_id == document.id, audit.c.actor == "fin.head")
            .order_by(audit.c.id)
        ).all()
    assert list(by_stand_in) == ["step_acted_for", "complete_circulation"]


def test_d05_flow_steps_are_reminded_at_due_and_escalated_to_the_superior_after_48_hours(
    harness: Harness,
) -> None:
    harness.directory.people["fin.clerk"] = PersonInfo("fin.clerk", "fin.clerk", "FIN", "fin.head")
    document = harness.register.register(HR_CLERK, reg())
    handling = document.current_step()
    assert handling is not None
    harness.register.complete_step(
        HR_HEAD, CompleteStep(document.id, handling.id, circulate_to=["fin.clerk"])
    )
    step = harness.register.get(HR_CLERK, document.id).current_step()
    assert step is not None
    assert step.escalate_at == monday(9) + timedelta(days=2)
    harness.at(monday(9) + timedelta(days=1))
    assert [
        list(e.owners) for e in harness.events("documents.step.overdue", events_pb2.StepOverdue)
    ] == [["fin.clerk"]]  # reminded at the due time (D-08)
    harness.at(monday(9) + timedelta(days=2) - timedelta(seconds=1))
    assert harness.events("documents.step.escalated", events_pb2.StepEscalated) == []
    harness.at(monday(9) + timedelta(days=2))
    [escalated] = harness.events("documents.step.escalated", events_pb2.StepEscalated)
    assert (list(escalated.from_owners), list(escalated.to_usernames)) == (
        ["fin.clerk"],
        ["fin.head"],
    )
    assigned = harness.events("documents.step.assigned", events_pb2.StepAssigned)[-1]
    assert (assigned.assignee_username, assigned.on_behalf_of, assigned.reason) == (
        "fin.head",
        "fin.clerk",
        "escalation",
    )
    harness.advance(days=1)
    assert len(harness.events("documents.step.escalated", events_pb2.StepEscalated)) == 1
    document = harness.register.complete_step(FIN_HEAD, CompleteStep(document.id, step.id))
    assert document.state is DocumentState.ARCHIVING


def test_d05_a_step_opened_on_friday_escalates_on_tuesday(harness: Harness) -> None:
    harness.at(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))  # Friday 17:00 Beijing
    document = harness.register.register(HR_CLERK, reg())
    step = document.current_step()
    assert step is not None
    assert step.escalate_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # Tuesday 17:00


# -- D-10: the 24 hours bind the whole routine flow ---------------------------------------------


def _flow(harness: Harness, handled_after: timedelta, read_after: timedelta) -> str:
    document = harness.register.register(HR_CLERK, reg())
    handling = document.current_step()
    assert handling is not None
    harness.at(monday(9) + handled_after)
    harness.register.complete_step(
        HR_HEAD, CompleteStep(document.id, handling.id, circulate_to=["fin.clerk"])
    )
    circulation = harness.register.get(HR_CLERK, document.id).current_step()
    assert circulation is not None
    harness.at(monday(9) + read_after)
    harness.register.complete_step(FIN_CLERK, CompleteStep(document.id, circulation.id))
    return document.id


def test_d10_the_24_hours_bind_the_whole_routine_flow_not_only_each_step(
    harness: Harness,
) -> None:
    breached_before = sample("secretariat_document_flows_total", "routine", "breached")
    # Each step within its own 24 hours, the flow not: handled Monday 20:00, read
    # Tuesday 10:00, registered Monday 09:00.
    document_id = _flow(harness, timedelta(hours=11), timedelta(hours=25))
    [overdue] = harness.events("documents.flow.overdue", events_pb2.FlowOverdue)
    assert (overdue.document_id, overdue.state, list(overdue.waiting_on)) == (
        document_id,
        "circulating",
        ["fin.clerk"],
    )
    assert sample("secretariat_document_flows_total", "routine", "breached") == breached_before + 1
    completed = harness.events("documents.step.completed", events_pb2.StepCompleted)
    assert all(c.met_deadline for c in completed)
    [flow] = harness.events("documents.flow.completed", events_pb2.FlowCompleted)
    assert not flow.met_deadline
    assert flow.hours == 25.0
    document = harness.register.get(HR_CLERK, document_id)
    assert (document.flow_met, document.flow_closed_at) == (False, monday(9) + timedelta(hours=25))


def test_d10_a_routine_flow_within_24_hours_meets_its_sla(harness: Harness) -> None:
    met_before = sample("secretariat_document_flows_total", "routine", "met")
    document_id = _flow(harness, timedelta(hours=2), timedelta(hours=20))
    [flow] = harness.events("documents.flow.completed", events_pb2.FlowCompleted)
    assert flow.met_deadline
    assert harness.register.get(HR_CLERK, document_id).flow_met is True
    harness.advance(days=2)
    assert harness.events("documents.flow.overdue", events_pb2.FlowOverdue) == []
    assert sample("secretariat_document_flows_total", "routine", "met") == met_before + 1


def test_d10_the_monthly_sla_report_covers_documents_and_approvals(harness: Harness) -> None:
    _flow(harness, timedelta(hours=11), timedelta(hours=25))  # the flow breached, steps met
    late = harness.register.register(HR_CLERK, reg(title="迟办的文件"))  # 拟办 never done
    assert late.current_step() is not None
    harness.at(datetime(2026, 4, 1, 2, 0, tzinfo=UTC))  # April 1st, 10:00 Beijing
    engine = ApprovalEngine(
        harness.register._uow,
        harness.directory,
        BusinessCalendar(),
        harness.clock,
        harness.db,
        None,  # type: ignore[arg-type]
    )
    report = SlaReports(engine, harness.db, harness.clock).monthly(SEC_CLERK, "2026-03")
    assert report.month == "2026-03"
    # The first: 拟办 and circulation on time, its archive step left open past due;
    # the second: 拟办 open past due.
    assert (report.documents.steps_total, report.documents.steps_overdue) == (4, 2)
    assert (report.flows.total, report.flows.met, report.flows.breached) == (2, 0, 2)
    assert report.steps_total == report.approvals.steps_total + 4
    current = SlaReports(engine, harness.db, harness.clock).current_month()
    assert current.month == "2026-04"
    # The alert's gauge: the running calendar month, here April (the 2nd document's
    # 拟办 is still open and overdue).
    collected = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in MonthSlaCollector(SlaReports(engine, harness.db, harness.clock)).collect()
        for sample in family.samples
    }
    steps = "secretariat_sla_month_steps"
    assert collected[(steps, (("flow", "documents"), ("overdue", "true")))] == 2
    assert collected[("secretariat_document_flows_month", (("outcome", "breached"),))] == 1
