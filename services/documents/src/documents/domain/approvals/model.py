"""An approval and its steps: the state machine of SPEC D-06..D-09.

An approval runs its planned steps one after another. A step holds one
*seat* per person whose approval it needs (the holder, found by the
template's rules); a seat's *deciders* are who may decide for it now: the
holder, or their stand-in while they are away (absence), or the person
they delegated to, and after escalation also the holder's superior.
``any`` steps close on the first approval, ``all`` steps when every seat
is approved. Reject (with a reason) ends the approval; return sends it
back to the requester, who edits and resubmits it as a new revision whose
steps start again from the first (earlier revisions stay in the history).

Separation of duties: the levels of one revision are decided by different
people. Whoever took part in a level (decided it, delegated it, stood in
for its holder, or held the seat decided in their name) may not decide
another level of the same revision (:meth:`Approval.took_part_elsewhere`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from documents.domain.approvals.templates import ApproverRule, StepMode, TemplateStep

SYSTEM = "system"


class ApprovalStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


CLOSED_STATUSES = frozenset(
    {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.WITHDRAWN}
)


class StepState(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    SKIPPED = "skipped"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"
    DELEGATE = "delegate"


class ApprovalError(Exception):
    """A decision or change the approval's state does not allow."""


class ApprovalClosed(ApprovalError):
    """The approval is not waiting for this kind of action any more."""


class AlreadyDecided(ApprovalError):
    """The person has already done their part of the current step."""


class NotAnApprover(ApprovalError):
    """The person may not decide the current step."""


class SeparationOfDuties(AlreadyDecided):
    """The person already took part in another level of the same revision."""


class InvalidDecision(ApprovalError):
    """The decision's own input is wrong (missing reason, bad delegate)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


class NoApprover(ApprovalError):
    """A step's rules resolve to nobody in the organisation."""


@dataclass
class Seat:
    """One person's required approval on a step, and who may give it now."""

    holder: str
    deciders: list[str]
    approved_by: str = ""
    rule: int = -1
    """Index in the step's rules of the rule that named the holder (-1: not known)."""

    @property
    def approved(self) -> bool:
        return bool(self.approved_by)


@dataclass(frozen=True)
class Decision:
    actor: str
    action: Action
    at: datetime
    comment: str = ""
    on_behalf_of: str = ""
    delegate_to: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    comment: str = ""
    step_index: int = -1
    on_behalf_of: str = ""


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))


@dataclass
class ApprovalStep:
    index: int
    revision: int
    name: str
    mode: StepMode
    rules: tuple[ApproverRule, ...]
    state: StepState = StepState.PENDING
    seats: list[Seat] = field(default_factory=list)
    opened_at: datetime | None = None
    due_at: datetime | None = None
    escalate_at: datetime | None = None
    closed_at: datetime | None = None
    decisions: list[Decision] = field(default_factory=list)
    reminded: bool = False
    escalated: bool = False

    @property
    def is_open(self) -> bool:
        return self.state is StepState.OPEN

    def waiting_on(self) -> list[str]:
        """Who may still decide: the deciders of seats not yet approved (open steps only)."""
        if not self.is_open:
            return []
        return _unique(d for seat in self.seats if not seat.approved for d in seat.deciders)

    def approvers(self) -> list[str]:
        """Who may decide now; for a closed step, everyone who could have decided."""
        if self.is_open:
            return self.waiting_on()
        return _unique(d for seat in self.seats for d in seat.deciders)

    def approved_by(self) -> list[str]:
        return _unique(seat.approved_by for seat in self.seats)

    def holders(self) -> list[str]:
        return _unique(seat.holder for seat in self.seats)

    def on_behalf_of(self) -> dict[str, str]:
        """Decider → the holder they stand in for (absence, delegation, escalation)."""
        result: dict[str, str] = {}
        for seat in self.seats:
            for decider in seat.deciders:
                if decider != seat.holder:
                    result.setdefault(decider, seat.holder)
        return result

    def met_deadline(self) -> bool:
        """SPEC D-10: closed (or still open) no later than its due time."""
        if self.due_at is None:
            return True
        return self.closed_at is not None and self.closed_at <= self.due_at

    def people(self) -> set[str]:
        names = {seat.holder for seat in self.seats}
        names.update(d for seat in self.seats for d in seat.deciders)
        names.update(d.actor for d in self.decisions)
        names.update(d.delegate_to for d in self.decisions if d.delegate_to)
        return names


@dataclass
class Approval:
    id: str
    template: str
    template_version: int
    subject: str
    payload: dict[str, Any]
    urgent: bool
    requester: str
    department_code: str
    created_at: datetime
    status: ApprovalStatus = ApprovalStatus.IN_PROGRESS
    steps: list[ApprovalStep] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    content: str = ""
    source_service: str = ""
    source_ref: str = ""
    completed_at: datetime | None = None
    seal_id: str = ""
    revision: int = 1
    redacted: bool = False
    """X-03: an overseer's copy without subject, payload, content or comments."""

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def priority(self) -> str:
        return "urgent" if self.urgent else "routine"

    def current_step(self) -> ApprovalStep | None:
        return next((s for s in self.steps if s.is_open), None)

    @property
    def current_index(self) -> int:
        step = self.current_step()
        return -1 if step is None else step.index

    def step(self, index: int) -> ApprovalStep | None:
        return self.steps[index] if 0 <= index < len(self.steps) else None

    def next_pending(self) -> ApprovalStep | None:
        return next(
            (s for s in self.steps if s.revision == self.revision and s.state is StepState.PENDING),
            None,
        )

    def previous_owner(self, step: ApprovalStep) -> str:
        """Whose approval closed the step before ``step`` in the same revision ("" for the first).

        The *owner* is the seat's holder, the person the rules named, never the
        delegate, stand-in or escalated superior who decided for them: a
        "superior of the previous approver" rule climbs from the owner, so
        handing a step down never brings the next level back to its owner.
        """
        for earlier in reversed(self.steps[: step.index]):
            if earlier.revision != step.revision:
                break
            if earlier.state is not StepState.APPROVED:
                continue
            approvals = [d.actor for d in earlier.decisions if d.action is Action.APPROVE]
            if not approvals:
                continue
            seats = [s for s in earlier.seats if s.approved_by == approvals[-1]]
            own = [s for s in seats if s.holder == approvals[-1]]
            for seat in own or seats:
                return seat.holder
            return approvals[-1]
        return ""

    def took_part_elsewhere(self, step: ApprovalStep) -> dict[str, str]:
        """Person → the other level of ``step``'s revision they took part in.

        Taking part: any decision there (approve, delegate, …) and holding a
        seat that was approved there, in person or by a stand-in. Such a
        person may not decide ``step`` (separation of duties, issue 13).
        """
        found: dict[str, str] = {}
        for other in self.steps:
            if other.revision != step.revision or other.index == step.index:
                continue
            for decision in other.decisions:
                found.setdefault(decision.actor, other.name)
            for seat in other.seats:
                if seat.approved:
                    found.setdefault(seat.holder, other.name)
                    found.setdefault(seat.approved_by, other.name)
        found.pop(SYSTEM, None)
        return found

    def participants(self) -> set[str]:
        """Everyone who is or was on this approval: they may see it."""
        names = {self.requester}
        for step in self.steps:
            names.update(step.people())
        names.discard("")
        return names

    def record(
        self,
        at: datetime,
        actor: str,
        action: str,
        comment: str = "",
        step_index: int = -1,
        on_behalf_of: str = "",
    ) -> None:
        self.history.append(HistoryEntry(at, actor, action, comment, step_index, on_behalf_of))


def plan_steps(plan: Iterable[TemplateStep], first_index: int, revision: int) -> list[ApprovalStep]:
    return [
        ApprovalStep(
            index=first_index + offset,
            revision=revision,
            name=step.name,
            mode=step.mode,
            rules=step.approvers,
        )
        for offset, step in enumerate(plan)
    ]


def new_approval(
    *,
    approval_id: str,
    template: str,
    template_version: int,
    subject: str,
    payload: dict[str, Any],
    urgent: bool,
    requester: str,
    department_code: str,
    plan: list[TemplateStep],
    now: datetime,
    content: str = "",
    source_service: str = "",
    source_ref: str = "",
) -> Approval:
    """A started approval with its planned steps, none open yet."""
    if not plan:
        raise NoApprover("the template has no step that applies to this request")
    approval = Approval(
        id=approval_id,
        template=template,
        template_version=template_version,
        subject=subject,
        payload=payload,
        urgent=urgent,
        requester=requester,
        department_code=department_code,
        created_at=now,
        content=content,
        source_service=source_service,
        source_ref=source_ref,
        steps=plan_steps(plan, 0, 1),
    )
    approval.record(now, requester, "started", "urgent (green channel)" if urgent else "")
    return approval


def open_step(
    approval: Approval,
    step: ApprovalStep,
    seats: list[Seat],
    now: datetime,
    due_at: datetime,
    escalate_at: datetime,
) -> None:
    if step.state is not StepState.PENDING:
        raise ApprovalClosed(f"step {step.name!r} is {step.state.value}, not pending")
    if not seats:
        raise NoApprover(f"step {step.name!r} has nobody to approve it")
    step.state = StepState.OPEN
    step.seats = seats
    step.opened_at = now
    step.due_at = due_at
    step.escalate_at = escalate_at
    stand_ins = step.on_behalf_of()
    approval.record(
        now,
        SYSTEM,
        "step_opened",
        f"{step.name}: " + ", ".join(step.waiting_on()),
        step.index,
        ", ".join(f"{d} for {h}" for d, h in stand_ins.items()),
    )


@dataclass(frozen=True)
class DecisionOutcome:
    step: ApprovalStep
    decision: Decision
    step_closed: bool


def _require_in_progress(approval: Approval) -> ApprovalStep:
    if approval.status is not ApprovalStatus.IN_PROGRESS:
        raise ApprovalClosed(f"the approval is {approval.status.value}; no decision can be made")
    step = approval.current_step()
    if step is None:
        raise ApprovalClosed("the approval has no open step")
    return step


def _close_step(approval: Approval, step: ApprovalStep, state: StepState, now: datetime) -> None:
    step.state = state
    step.closed_at = now
    if state is not StepState.APPROVED:
        for later in approval.steps:
            if later.state is StepState.PENDING:
                later.state = StepState.SKIPPED


LevelCheck = Callable[[str, Seat], str]
"""(person, seat) → why the person cannot hold that seat's level, or "" when they can."""


def decide(
    approval: Approval,
    actor: str,
    action: Action,
    now: datetime,
    comment: str = "",
    delegate_to: str = "",
    cannot_hold: LevelCheck | None = None,
) -> DecisionOutcome:
    """SPEC D-09: ``actor`` approves, rejects, returns or delegates the current step.

    Nobody decides two levels of one revision (:class:`SeparationOfDuties`),
    and a step is delegated only to someone who can hold its level
    (``cannot_hold``, from the directory: see ``routing.level_refusal``).
    """
    step = _require_in_progress(approval)
    comment = comment.strip()
    if action in (Action.REJECT, Action.RETURN) and not comment:
        what = "reject" if action is Action.REJECT else "return for changes"
        raise InvalidDecision("comment", f"a reason is required to {what}")
    seats = [s for s in step.seats if actor in s.deciders and not s.approved]
    if not seats:
        if any(actor in s.deciders or s.approved_by == actor for s in step.seats):
            raise AlreadyDecided(f"{actor} has already approved step {step.name!r}")
        earlier = [
            s
            for s in approval.steps[: step.index]
            if s.revision == approval.revision and any(d.actor == actor for d in s.decisions)
        ]
        if earlier:
            raise AlreadyDecided(
                f"{actor} has already decided step {earlier[-1].name!r}; "
                f"the approval is now at {step.name!r}"
            )
        raise NotAnApprover(f"{actor} is not an approver of the current step {step.name!r}")
    elsewhere = approval.took_part_elsewhere(step)
    if actor in elsewhere:
        raise SeparationOfDuties(
            f"{actor} already took part in step {elsewhere[actor]!r} of this approval; "
            f"one person cannot decide two levels of the same request, so {actor} "
            f"cannot decide step {step.name!r}"
        )
    on_behalf = ", ".join(_unique(s.holder for s in seats if s.holder != actor))
    if action is Action.DELEGATE:
        delegate_to = delegate_to.strip()
        if not delegate_to:
            raise InvalidDecision("delegate_to", "name the person to delegate to")
        if delegate_to == actor:
            raise InvalidDecision("delegate_to", "you cannot delegate to yourself")
        if delegate_to == approval.requester:
            raise InvalidDecision("delegate_to", "the requester cannot approve their own request")
        if delegate_to in step.waiting_on():
            raise InvalidDecision(
                "delegate_to", f"{delegate_to} is already an approver of this step"
            )
        if delegate_to in elsewhere:
            raise InvalidDecision(
                "delegate_to",
                f"{delegate_to} already took part in step {elsewhere[delegate_to]!r} of this "
                "approval; one person cannot decide two levels of the same request",
            )
        for seat in seats:
            reason = cannot_hold(delegate_to, seat) if cannot_hold is not None else ""
            if reason:
                raise InvalidDecision("delegate_to", reason)
        for seat in seats:
            seat.deciders = _unique(delegate_to if d == actor else d for d in seat.deciders)
    elif action is Action.APPROVE:
        for seat in seats:
            seat.approved_by = actor
    decision = Decision(
        actor=actor,
        action=action,
        at=now,
        comment=comment,
        on_behalf_of=on_behalf,
        delegate_to=delegate_to if action is Action.DELEGATE else "",
    )
    step.decisions.append(decision)
    closed = False
    if action is Action.APPROVE:
        approval.record(now, actor, "approved", comment, step.index, on_behalf)
        if step.mode is StepMode.ANY or all(s.approved for s in step.seats):
            _close_step(approval, step, StepState.APPROVED, now)
            closed = True
    elif action is Action.REJECT:
        _close_step(approval, step, StepState.REJECTED, now)
        approval.status = ApprovalStatus.REJECTED
        approval.completed_at = now
        approval.record(now, actor, "rejected", comment, step.index, on_behalf)
        closed = True
    elif action is Action.RETURN:
        _close_step(approval, step, StepState.RETURNED, now)
        approval.status = ApprovalStatus.RETURNED
        approval.record(now, actor, "returned", comment, step.index, on_behalf)
        closed = True
    else:
        approval.record(
            now,
            actor,
            "delegated",
            f"to {delegate_to}" + (f": {comment}" if comment else ""),
            step.index,
            on_behalf,
        )
    return DecisionOutcome(step=step, decision=decision, step_closed=closed)


def complete(approval: Approval, now: datetime) -> None:
    """Every planned step approved: the approval is approved."""
    if approval.status is not ApprovalStatus.IN_PROGRESS or approval.current_step() is not None:
        raise ApprovalClosed("only an approval with every step approved can complete")
    if approval.next_pending() is not None:
        raise ApprovalClosed("steps are still pending")
    approval.status = ApprovalStatus.APPROVED
    approval.completed_at = now
    approval.record(now, SYSTEM, "completed", "approved")


def withdraw(approval: Approval, actor: str, now: datetime, comment: str = "") -> list[str]:
    """The requester takes the request back; returns who was waiting to decide."""
    if approval.status not in (ApprovalStatus.IN_PROGRESS, ApprovalStatus.RETURNED):
        raise ApprovalClosed(f"the approval is {approval.status.value}; it cannot be withdrawn")
    waiting: list[str] = []
    for step in approval.steps:
        if step.is_open:
            waiting = step.waiting_on()
            step.state = StepState.WITHDRAWN
            step.closed_at = now
        elif step.state is StepState.PENDING:
            step.state = StepState.SKIPPED
    approval.status = ApprovalStatus.WITHDRAWN
    approval.completed_at = now
    approval.record(now, actor, "withdrawn", comment.strip())
    return waiting


def resubmit(
    approval: Approval,
    actor: str,
    payload: dict[str, Any],
    subject: str,
    plan: list[TemplateStep],
    now: datetime,
    comment: str = "",
) -> None:
    """SPEC D-09: a returned approval, edited, starts again from its first step as revision+1."""
    if approval.status is not ApprovalStatus.RETURNED:
        raise ApprovalClosed(
            f"only a returned approval can be resubmitted; this one is {approval.status.value}"
        )
    if not plan:
        raise NoApprover("the template has no step that applies to the edited request")
    approval.revision += 1
    approval.payload = payload
    approval.subject = subject
    approval.status = ApprovalStatus.IN_PROGRESS
    approval.steps.extend(plan_steps(plan, len(approval.steps), approval.revision))
    approval.record(now, actor, "resubmitted", comment.strip() or f"revision {approval.revision}")


def remind(approval: Approval, step_index: int, now: datetime) -> ApprovalStep | None:
    """SPEC D-08: the step reached its due time while open; once per step."""
    step = approval.step(step_index)
    if step is None or not step.is_open or step.reminded:
        return None
    step.reminded = True
    approval.record(now, SYSTEM, "reminded", ", ".join(step.waiting_on()), step.index)
    return step


@dataclass(frozen=True)
class Escalation:
    step: ApprovalStep
    from_approvers: list[str]
    to_approvers: list[str]


def escalate(
    approval: Approval, step_index: int, superiors: Mapping[str, str], now: datetime
) -> Escalation | None:
    """SPEC D-08: 48 hours after opening, each seat still unapproved is joined by
    the holder's superior (``superiors``: holder → superior), who may then
    decide for them. Once per step."""
    step = approval.step(step_index)
    if step is None or not step.is_open or step.escalated:
        return None
    before = step.waiting_on()
    added: list[str] = []
    for seat in step.seats:
        if seat.approved:
            continue
        superior = superiors.get(seat.holder, "")
        if superior and superior not in seat.deciders and superior != approval.requester:
            seat.deciders.append(superior)
            added.append(superior)
    step.escalated = True
    added = _unique(added)
    approval.record(
        now,
        SYSTEM,
        "escalated",
        ("to " + ", ".join(added)) if added else "no superior found to escalate to",
        step.index,
    )
    return Escalation(step=step, from_approvers=before, to_approvers=added)


@dataclass(frozen=True)
class Reassignment:
    step: ApprovalStep
    from_holders: list[str]
    to_holders: list[str]
    from_approvers: list[str]
    to_approvers: list[str]


def reassign(
    approval: Approval, step_index: int, seats: list[Seat], now: datetime
) -> Reassignment | None:
    """X-01: the directory now names other people for an open step (a head was
    replaced, a role changed hands): its seats become ``seats``. Seats already
    approved stand; the history records who the step passed from and to."""
    step = approval.step(step_index)
    if step is None or not step.is_open or not seats or all(s.approved for s in seats):
        return None
    before, waiting_before = step.holders(), step.waiting_on()
    if _unique(s.holder for s in seats) == before:
        return None
    step.seats = seats
    after = step.holders()
    stand_ins = step.on_behalf_of()
    approval.record(
        now,
        SYSTEM,
        "reassigned",
        f"{step.name}: {', '.join(before)} → {', '.join(after)} (directory changed)",
        step.index,
        ", ".join(f"{d} for {h}" for d, h in stand_ins.items()),
    )
    return Reassignment(
        step=step,
        from_holders=before,
        to_holders=after,
        from_approvers=waiting_before,
        to_approvers=step.waiting_on(),
    )


@dataclass(frozen=True)
class Absence:
    """SPEC D-09 out of office: steps opening for ``username`` inside [start, end) go to the delegate."""

    id: str
    username: str
    start: datetime
    end: datetime
    delegate_username: str
    created_at: datetime

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


def absence_problems(
    username: str, start: datetime | None, end: datetime | None, delegate: str, now: datetime
) -> list[tuple[str, str]]:
    """(field, reason) for each thing wrong with an absence someone records."""
    problems: list[tuple[str, str]] = []
    if start is None:
        problems.append(("start", "is required"))
    if end is None:
        problems.append(("end", "is required"))
    if start is not None and end is not None and end <= start:
        problems.append(("end", "must be after start"))
    elif end is not None and end <= now:
        problems.append(("end", "must be in the future"))
    if not delegate.strip():
        problems.append(("delegate_username", "name who decides for you while you are away"))
    elif delegate.strip() == username:
        problems.append(("delegate_username", "you cannot be your own delegate"))
    return problems
