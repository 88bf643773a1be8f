"""The document register against a real database (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from documents.adapters.orm import platform
from documents.domain.catalogue import DocumentState, StepKind
from documents.service_layer.commands import CompleteStep, ListDocuments, RegisterDocument
from documents_testkit import (
    ARCHIVIST,
    DISCIPLINE,
    FIN_CLERK,
    FIN_HEAD,
    HR_CLERK,
    HR_HEAD,
    SEC_CLERK,
    Harness,
    person,
)
from secretariat_shared.errors import (
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)

pytestmark = pytest.mark.integration


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
    secret = r.register(HR_CLERK, reg(security="secret", readers=["fin.clerk"]))

    def visible(who: object) -> set[str]:
        items, total = r.search(who, ListDocuments(page_size=100))  # type: ignore[arg-type]
        assert total == len(items)
        return {d.id for d in items}

    hr_staff = person("hr.staff", "HR")
    assert visible(hr_staff) == {public.id, internal.id}
    assert visible(FIN_HEAD) == {public.id, confidential.id}
    assert visible(FIN_CLERK) == {public.id, secret.id}
    assert visible(HR_CLERK) == {public.id, internal.id, confidential.id, secret.id}
    with pytest.raises(NotFound) as denied:
        r.get(hr_staff, secret.id)
    with pytest.raises(NotFound) as missing:
        r.get(hr_staff, "00000000-0000-0000-0000-000000000000")
    assert type(denied.value) is type(missing.value)
    assert "not found" in str(denied.value)
    assert r.get(FIN_CLERK, secret.id).number == secret.number


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
    assert archive.owners == ["sec.archivist", "sec.clerk"]
    document = r.complete_step(ARCHIVIST, CompleteStep(document.id, archive.id, "已归档"))
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
    document = r.register(HR_CLERK, reg(security="secret"))
    r.get(HR_CLERK, document.id)
    entries, total = r.audit_entries(DISCIPLINE, document.id, "", 1, 50)
    assert total == 2
    assert [e["action"] for e in entries] == ["register", "read_classified"]
    assert entries[0]["after"]["number"] == document.number
    with pytest.raises(PermissionDenied):
        r.audit_entries(HR_CLERK, document.id, "", 1, 50)


def test_x04_audit_trail_is_append_only_in_postgresql(harness: Harness) -> None:
    harness.register.register(HR_CLERK, reg())
    if harness.db.dialect != "postgresql":
        with harness.db.reading() as s:
            assert s.scalar(select(func.count()).select_from(platform.audit_log)) == 1
        return
    with pytest.raises(DBAPIError, match="append-only"), harness.db.engine.begin() as conn:
        conn.execute(update(platform.audit_log).values(actor="someone else"))


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
