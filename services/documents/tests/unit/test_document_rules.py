"""Domain rules of the document register, one test per SPEC rule at least."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.domain.approvals.sla import SlaFigures
from documents.domain.catalogue import (
    DOCUMENT_TYPES,
    DocumentState,
    LabelColour,
    Priority,
    Retention,
    SecurityClass,
    StepKind,
    StepState,
)
from documents.domain.model import (
    Document,
    FlowError,
    StandInReason,
    Viewer,
    act_on_step,
    assign_stand_ins,
    can_read,
    close_flow,
    flow_finished_by,
    label_colour,
    open_step,
    step_deadline_hours,
)
from documents.domain.numbering import format_number, parse_number
from documents.domain.sla_report import FlowTiming, MonthlySla, flow_month_figures

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def doc(cls: SecurityClass = SecurityClass.INTERNAL, dept: str = "HR", **kw: object) -> Document:
    values: dict[str, object] = {
        "id": "d1",
        "number": "HR-2026-01-001",
        "title": "关于加强考勤管理的通知",
        "type_code": "04",
        "department_code": dept,
        "security_class": cls,
        "retention": Retention.TEN_YEARS,
        "priority": Priority.ROUTINE,
        "readers": ["hr.clerk"],
        "body": "",
        "state": DocumentState.REGISTERED,
        "registered_by": "hr.clerk",
        "registered_at": NOW,
    }
    values.update(kw)
    return Document(**values)  # type: ignore[arg-type]


def in_two_hours(opened: datetime, _priority: Priority) -> datetime:
    return opened + timedelta(hours=2)


def test_d01_number_has_department_year_type_and_three_digit_sequence() -> None:
    assert format_number("HR", 2023, "01", 15) == "HR-2023-01-015"
    assert format_number("FIN", 2026, "12", 1) == "FIN-2026-12-001"


def test_d01_sequence_beyond_999_keeps_growing_rather_than_wrapping() -> None:
    assert format_number("HR", 2026, "02", 1000) == "HR-2026-02-1000"


@given(
    dept=st.from_regex(r"[A-Z][A-Z0-9]{1,9}", fullmatch=True),
    year=st.integers(2000, 2099),
    type_code=st.sampled_from(sorted(DOCUMENT_TYPES)),
    seq=st.integers(1, 99_999),
)
def test_d01_number_round_trips(dept: str, year: int, type_code: str, seq: int) -> None:
    assert parse_number(format_number(dept, year, type_code, seq)) == (dept, year, type_code, seq)


def test_d01_sequence_starts_at_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        format_number("HR", 2026, "01", 0)


def test_d02_twelve_document_types_with_two_digit_codes() -> None:
    assert list(DOCUMENT_TYPES) == [f"{i:02d}" for i in range(1, 13)]
    assert DOCUMENT_TYPES["01"] == "regulation"
    assert DOCUMENT_TYPES["12"] == "other"


def test_d03_retention_periods() -> None:
    assert [r.value for r in Retention] == ["10y", "30y", "permanent"]


@pytest.mark.parametrize(
    ("state", "priority", "colour"),
    [
        (DocumentState.PROPOSED_HANDLING, Priority.URGENT, LabelColour.RED),
        (DocumentState.CIRCULATING, Priority.IMPORTANT, LabelColour.BLUE),
        (DocumentState.CIRCULATING, Priority.ROUTINE, LabelColour.GREEN),
        (DocumentState.PROPOSED_HANDLING, Priority.ROUTINE, LabelColour.YELLOW),
        (DocumentState.ARCHIVED, Priority.URGENT, LabelColour.BLACK),
        (DocumentState.ARCHIVED, Priority.ROUTINE, LabelColour.BLACK),
    ],
)
def test_d04_label_colour_follows_state_and_priority(
    state: DocumentState, priority: Priority, colour: LabelColour
) -> None:
    assert label_colour(state, priority) is colour


HR_MEMBER = Viewer("hr.staff", "HR")
FIN_MEMBER = Viewer("fin.clerk", "FIN")
FIN_HEAD = Viewer("fin.head", "FIN", frozenset({"FIN"}))
NAMED = Viewer("hr.clerk", "HR")


def test_x03_public_documents_are_readable_by_everyone() -> None:
    assert can_read(FIN_MEMBER, doc(SecurityClass.PUBLIC))


def test_x03_internal_documents_are_readable_by_own_department_only() -> None:
    assert can_read(HR_MEMBER, doc(SecurityClass.INTERNAL))
    assert not can_read(FIN_MEMBER, doc(SecurityClass.INTERNAL))


def test_x03_confidential_documents_are_for_the_owning_head_leaders_clerks_and_named() -> None:
    assert can_read(Viewer("hr.head", "HR", frozenset({"HR"})), doc(SecurityClass.CONFIDENTIAL))
    assert not can_read(FIN_HEAD, doc(SecurityClass.CONFIDENTIAL))
    assert not can_read(HR_MEMBER, doc(SecurityClass.CONFIDENTIAL))
    assert can_read(NAMED, doc(SecurityClass.CONFIDENTIAL))
    hr_leader = Viewer("leader.yang", "", supervised_departments=frozenset({"HR"}))
    assert can_read(hr_leader, doc(SecurityClass.CONFIDENTIAL))
    assert can_read(
        Viewer("wang", "", roles=frozenset({"leader"})), doc(SecurityClass.CONFIDENTIAL)
    )
    clerk = Viewer("sec.mi", "SEC", roles=frozenset({"confidential_clerk"}))
    assert can_read(clerk, doc(SecurityClass.CONFIDENTIAL))


def test_x03_step_owners_read_only_while_the_step_is_theirs() -> None:
    document = doc(SecurityClass.SECRET)
    open_step(document, "a", StepKind.ARCHIVE, ["sec.mi"], NOW, in_two_hours)
    clerk = Viewer("sec.mi", "SEC")
    assert can_read(clerk, document)
    act_on_step(document, "a", "sec.mi", "", NOW)
    assert document.state is DocumentState.ARCHIVED
    assert not can_read(clerk, document)
    assert "sec.mi" not in document.readers


def test_x03_circulation_recipients_become_named_readers() -> None:
    document = doc(SecurityClass.CONFIDENTIAL)
    open_step(document, "c", StepKind.CIRCULATION, ["fin.clerk"], NOW, in_two_hours)
    act_on_step(document, "c", "fin.clerk", "已阅", NOW)
    assert can_read(FIN_MEMBER, document)


def test_x03_secret_documents_are_for_named_people_only() -> None:
    assert not can_read(FIN_HEAD, doc(SecurityClass.SECRET))
    assert not can_read(HR_MEMBER, doc(SecurityClass.SECRET))
    assert can_read(NAMED, doc(SecurityClass.SECRET))


def test_d05_opening_a_step_gives_owner_deadline_and_read_access() -> None:
    document = doc(SecurityClass.SECRET)
    step = open_step(document, "s1", StepKind.PROPOSED_HANDLING, ["hr.head"], NOW, in_two_hours)
    assert step.owners == ["hr.head"]
    assert step.due_at == NOW + timedelta(hours=2)
    assert document.state is DocumentState.PROPOSED_HANDLING
    assert can_read(Viewer("hr.head", "HR"), document)


def test_d05_circulation_finishes_only_when_every_recipient_has_read() -> None:
    document = doc()
    open_step(document, "c", StepKind.CIRCULATION, ["a", "b"], NOW, in_two_hours)
    first = act_on_step(document, "c", "a", "已阅", NOW)
    assert not first.step_finished
    circulation = document.step("c")
    assert circulation is not None
    assert circulation.waiting_on() == ["b"]
    second = act_on_step(document, "c", "b", "", NOW)
    assert second.step_finished
    assert circulation.state is StepState.DONE


def test_d05_only_an_owner_may_act_and_only_once() -> None:
    document = doc()
    open_step(document, "c", StepKind.CIRCULATION, ["a", "b"], NOW, in_two_hours)
    with pytest.raises(PermissionError):
        act_on_step(document, "c", "intruder", "", NOW)
    act_on_step(document, "c", "a", "", NOW)
    with pytest.raises(FlowError):
        act_on_step(document, "c", "a", "", NOW)


def test_d05_archiving_step_archives_the_document() -> None:
    document = doc()
    open_step(document, "a", StepKind.ARCHIVE, ["sec.archivist"], NOW, in_two_hours)
    outcome = act_on_step(document, "a", "sec.archivist", "", NOW + timedelta(hours=3))
    assert document.state is DocumentState.ARCHIVED
    assert document.label_colour is LabelColour.BLACK
    assert not outcome.met_deadline


def test_d10_urgent_steps_respond_within_two_hours_routine_within_24() -> None:
    assert step_deadline_hours(Priority.URGENT) == 2
    assert step_deadline_hours(Priority.ROUTINE) == 24
    assert step_deadline_hours(Priority.IMPORTANT) == 24


# -- D-05: flow steps follow absences and escalate like approval steps ------------------------


def circulating(*readers: str) -> Document:
    d = doc(state=DocumentState.CIRCULATING)
    open_step(d, "c1", StepKind.CIRCULATION, list(readers), NOW, in_two_hours)
    return d


def test_d05_a_circulation_no_longer_stalls_on_one_absent_reader() -> None:
    d = circulating("fin.clerk", "hr.staff")
    step = d.steps[-1]
    added = assign_stand_ins(
        d,
        step,
        lambda owner: {"hr.staff": "hr.head"}.get(owner, ""),
        StandInReason.ABSENCE,
    )
    assert [(s.owner, s.username, s.reason) for s in added] == [
        ("hr.staff", "hr.head", StandInReason.ABSENCE)
    ]
    assert "hr.head" in d.readers  # the stand-in reads what they read for
    assert step.who_may_act() == ["fin.clerk", "hr.staff", "hr.head"]
    outcome = act_on_step(d, "c1", "hr.head", "代阅", NOW)
    assert not outcome.step_finished
    assert step.done_by == ["hr.staff"]
    assert step.acted_for == {"hr.staff": "hr.head"}  # recorded: who read for whom
    with pytest.raises(FlowError):
        act_on_step(d, "c1", "hr.staff", "", NOW)  # their part is done
    assert act_on_step(d, "c1", "fin.clerk", "", NOW).step_finished


def test_d05_only_owners_and_their_stand_ins_act_on_a_step() -> None:
    d = circulating("fin.clerk")
    with pytest.raises(PermissionError):
        act_on_step(d, "c1", "fin.head", "", NOW)
    assign_stand_ins(d, d.steps[-1], lambda owner: "fin.head", StandInReason.ESCALATION)
    assert act_on_step(d, "c1", "fin.head", "", NOW).step_finished
    assert d.steps[-1].acted_for == {"fin.clerk": "fin.head"}


def test_d05_a_stand_in_is_added_once_and_never_for_oneself() -> None:
    d = circulating("fin.clerk")
    step = d.steps[-1]
    assert assign_stand_ins(d, step, lambda owner: owner, StandInReason.ABSENCE) == []
    assert len(assign_stand_ins(d, step, lambda o: "fin.head", StandInReason.ABSENCE)) == 1
    assert assign_stand_ins(d, step, lambda o: "fin.head", StandInReason.ESCALATION) == []


def test_d05_x03_only_named_readers_stand_in_on_a_secret_document() -> None:
    d = circulating("fin.clerk")
    d.security_class = SecurityClass.SECRET
    step = d.steps[-1]
    assert assign_stand_ins(d, step, lambda o: "fin.head", StandInReason.ABSENCE) == []
    assert "fin.head" not in d.readers
    d.readers.append("fin.head")
    assert len(assign_stand_ins(d, step, lambda o: "fin.head", StandInReason.ABSENCE)) == 1


def test_d05_flow_steps_escalate_48_working_day_hours_after_opening() -> None:
    from secretariat_shared.calendar import BusinessCalendar

    calendar = BusinessCalendar()
    friday_17 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # 17:00 Beijing
    d = doc()
    step = open_step(
        d,
        "p1",
        StepKind.PROPOSED_HANDLING,
        ["hr.head"],
        friday_17,
        lambda at, _p: calendar.add_sla(at, 24),
        lambda at: calendar.add_sla(at, 48),
    )
    assert step.due_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # Monday 17:00
    assert step.escalate_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # Tuesday 17:00


# -- D-10: the 24 hours bind the whole routine flow --------------------------------------------


def test_d10_the_routine_flow_ends_with_circulation_the_urgent_one_with_its_first_response() -> (
    None
):
    routine = circulating("fin.clerk")
    assert flow_finished_by(routine, routine.steps[-1])
    handling = open_step(doc(), "p", StepKind.PROPOSED_HANDLING, ["hr.head"], NOW, in_two_hours)
    assert not flow_finished_by(doc(), handling)
    urgent = doc(priority=Priority.URGENT)
    first = open_step(urgent, "p", StepKind.PROPOSED_HANDLING, ["hr.head"], NOW, in_two_hours)
    assert flow_finished_by(urgent, first)
    routine.flow_due_at = NOW + timedelta(hours=24)
    assert close_flow(routine, NOW + timedelta(hours=24))
    assert not flow_finished_by(routine, routine.steps[-1])  # closes once
    late = circulating("fin.clerk")
    late.flow_due_at = NOW
    assert not close_flow(late, NOW + timedelta(seconds=1))
    assert late.flow_met is False


def test_d10_monthly_flows_count_the_ones_ended_or_running_late_in_the_month() -> None:
    start = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # March in Beijing
    end = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    day = timedelta(days=1)
    flows = [
        FlowTiming(start + day, start + 2 * day, start + day + timedelta(hours=3)),  # met
        FlowTiming(start + day, start + 2 * day, start + 3 * day),  # ended late
        FlowTiming(start + 5 * day, start + 6 * day, None),  # running, past due
        FlowTiming(start + 20 * day, start + 40 * day, None),  # running, not due
        FlowTiming(start - 9 * day, start - 8 * day, start - 7 * day),  # February
    ]
    figures = flow_month_figures(flows, start, end, end + day)
    assert (figures.total, figures.met, figures.breached) == (4, 1, 2)


def test_d10_the_monthly_report_binds_approval_and_document_steps_together() -> None:
    report = MonthlySla(
        "2026-03",
        SlaFigures(steps_total=60, steps_overdue=2),
        SlaFigures(steps_total=40, steps_overdue=4),
        flow_month_figures([], NOW, NOW, NOW),
    )
    assert (report.steps_total, report.steps_overdue) == (100, 6)
    assert report.overdue_share == 0.06
    assert not report.target_met
