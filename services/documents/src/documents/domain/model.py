"""The registered document and its incoming-flow steps (SPEC D-03..D-05, X-03)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from documents.domain.catalogue import (
    DocumentState,
    LabelColour,
    Priority,
    Retention,
    SecurityClass,
    StepKind,
    StepState,
)
from secretariat_shared.access import Item, may_read
from secretariat_shared.access import Viewer as Viewer


class FlowError(Exception):
    """A step action that the flow does not allow in its current state."""


class StandInReason(StrEnum):
    """Why someone acts for a step's owner (D-05 follows D-08 and D-09)."""

    ABSENCE = "absence"
    """The owner is away; their absence names who stands in (D-09)."""
    ESCALATION = "escalation"
    """Untouched 48 hours after opening: the owner's superior joins (D-08)."""


@dataclass(frozen=True)
class StandIn:
    """``username`` may act for ``owner`` on this step."""

    owner: str
    username: str
    reason: StandInReason


@dataclass
class Step:
    id: str
    kind: StepKind
    owners: list[str]
    state: StepState
    opened_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    completed_by: str = ""
    comment: str = ""
    done_by: list[str] = field(default_factory=list)
    overdue: bool = False
    position: int = 0
    escalate_at: datetime | None = None
    escalated: bool = False
    stand_ins: list[StandIn] = field(default_factory=list)
    acted_for: dict[str, str] = field(default_factory=dict)
    """Owner → the stand-in who did the owner's part (a circulation read for an absent
    reader, D-05)."""

    @property
    def is_open(self) -> bool:
        return self.state is StepState.OPEN

    def waiting_on(self) -> list[str]:
        """Owners who still have to act (circulation needs everyone)."""
        if not self.is_open:
            return []
        if self.kind is StepKind.CIRCULATION:
            return [o for o in self.owners if o not in self.done_by]
        return list(self.owners)

    def stand_ins_for(self, owner: str) -> list[str]:
        return [s.username for s in self.stand_ins if s.owner == owner]

    def can_act(self, username: str) -> bool:
        """An owner, or someone standing in for an owner (D-05, D-09, D-08)."""
        return username in self.owners or any(s.username == username for s in self.stand_ins)

    def who_may_act(self) -> list[str]:
        """Everyone the open step waits on: the owners left and their stand-ins."""
        people: list[str] = []
        for owner in self.waiting_on():
            for name in (owner, *self.stand_ins_for(owner)):
                if name not in people:
                    people.append(name)
        return people

    def add_stand_in(self, owner: str, username: str, reason: StandInReason) -> bool:
        """Let ``username`` act for ``owner``; False when nothing changed."""
        if not username or username == owner or username in self.stand_ins_for(owner):
            return False
        self.stand_ins.append(StandIn(owner, username, reason))
        return True


@dataclass
class Document:
    id: str
    number: str
    title: str
    type_code: str
    department_code: str
    security_class: SecurityClass
    retention: Retention
    priority: Priority
    readers: list[str]
    body: str
    state: DocumentState
    registered_by: str
    registered_at: datetime
    steps: list[Step] = field(default_factory=list)
    flow_due_at: datetime | None = None
    """D-10: when the flow must be through (routine: end of circulation; urgent: first
    response)."""
    flow_closed_at: datetime | None = None
    flow_met: bool | None = None

    @property
    def label_colour(self) -> LabelColour:
        return label_colour(self.state, self.priority)

    def current_step(self) -> Step | None:
        for step in self.steps:
            if step.is_open:
                return step
        return None

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def add_readers(self, usernames: Iterable[str]) -> None:
        for name in usernames:
            if name and name not in self.readers:
                self.readers.append(name)


def label_colour(state: DocumentState, priority: Priority) -> LabelColour:
    """SPEC D-04: the colour printed on a paper copy, derived from state and priority.

    Archived documents are black whatever their priority. Otherwise urgent is
    red and important blue. A routine document still waiting for its
    proposed handling (拟办) is yellow, "pending"; once it is being handled
    it is green, "routine".
    """
    if state is DocumentState.ARCHIVED:
        return LabelColour.BLACK
    if priority is Priority.URGENT:
        return LabelColour.RED
    if priority is Priority.IMPORTANT:
        return LabelColour.BLUE
    if state in (DocumentState.REGISTERED, DocumentState.PROPOSED_HANDLING):
        return LabelColour.YELLOW
    return LabelColour.GREEN


def access_item(document: Document) -> Item:
    """The document as the shared X-03 rule sees it: named readers read it; the
    owners of its open step, and who stands in for them (D-05), read it while
    that step is theirs."""
    step = document.current_step()
    return Item(
        security_class=document.security_class,
        department_code=document.department_code,
        named_readers=frozenset(document.readers),
        step_owners=frozenset([*step.owners, *(s.username for s in step.stand_ins)])
        if step is not None
        else frozenset(),
    )


def can_read(viewer: Viewer, document: Document) -> bool:
    """SPEC X-03: may ``viewer`` read ``document`` (the one shared rule)."""
    return may_read(viewer, access_item(document))


DeadlineFor = Callable[[datetime, Priority], datetime]

ESCALATION_HOURS = 48.0
"""SPEC D-08 (for D-05 steps too): untouched 48 hours after opening, the owner's superior
joins; a clock of 24 hours or more, so it counts working-day hours (X-02)."""


def step_deadline_hours(priority: Priority) -> float:
    """SPEC D-10: routine documents flow within 24 hours; urgent ones respond within 2."""
    return 2.0 if priority is Priority.URGENT else 24.0


def flow_deadline_hours(priority: Priority) -> float:
    """SPEC D-10: the whole routine flow, registration to the end of circulation, within
    24 hours; an urgent document's first response within 2."""
    return step_deadline_hours(priority)


def flow_finished_by(document: Document, step: Step) -> bool:
    """SPEC D-10: whether finishing ``step`` ends the flow the SLA measures.

    For a routine (or important) document that is the end of circulation,
    or the end of proposed handling when nothing is circulated; for an
    urgent one the first response, the proposed handling.
    """
    if document.flow_closed_at is not None:
        return False
    if document.priority is Priority.URGENT:
        return step.kind is StepKind.PROPOSED_HANDLING
    return step.kind in (StepKind.CIRCULATION, StepKind.ARCHIVE) or (
        step.kind is StepKind.PROPOSED_HANDLING and document.state is DocumentState.ARCHIVING
    )


def close_flow(document: Document, now: datetime) -> bool:
    """Record the end of the flow the SLA measures; returns whether it met its deadline."""
    met = document.flow_due_at is None or now <= document.flow_due_at
    document.flow_closed_at = now
    document.flow_met = met
    return met


def open_step(
    document: Document,
    step_id: str,
    kind: StepKind,
    owners: list[str],
    now: datetime,
    deadline_for: DeadlineFor,
    escalate_after: Callable[[datetime], datetime] | None = None,
) -> Step:
    """Append and open the next D-05 step.

    X-03: owners of 拟办 and archiving read the document only while the step
    is theirs. Circulation recipients are named by the 拟办 owner to read it,
    so they become named readers.
    """
    if not owners:
        raise FlowError(f"a {kind.value} step needs at least one owner")
    step = Step(
        id=step_id,
        kind=kind,
        owners=list(dict.fromkeys(owners)),
        state=StepState.OPEN,
        opened_at=now,
        due_at=deadline_for(now, document.priority),
        position=len(document.steps),
    )
    if escalate_after is not None:
        step.escalate_at = escalate_after(now)
    document.steps.append(step)
    if kind is StepKind.CIRCULATION:
        document.add_readers(step.owners)
    document.state = {
        StepKind.PROPOSED_HANDLING: DocumentState.PROPOSED_HANDLING,
        StepKind.CIRCULATION: DocumentState.CIRCULATING,
        StepKind.ARCHIVE: DocumentState.ARCHIVING,
        StepKind.REGISTER: DocumentState.REGISTERED,
    }[kind]
    return step


@dataclass(frozen=True)
class StepOutcome:
    step: Step
    step_finished: bool
    met_deadline: bool


def act_on_step(
    document: Document, step_id: str, actor: str, comment: str, now: datetime
) -> StepOutcome:
    """Record ``actor`` doing their part of an open step.

    Proposed handling and archiving finish with one owner's action;
    circulation finishes when every recipient has read it.
    """
    step = document.step(step_id)
    if step is None:
        raise LookupError(step_id)
    if not step.is_open:
        raise FlowError(f"step {step.kind.value} is already {step.state.value}")
    current = document.current_step()
    if current is None or current.id != step.id:
        raise FlowError("only the current step can be completed")
    if not step.can_act(actor):
        raise PermissionError(f"{actor} is not an owner of this {step.kind.value} step")
    covered = [o for o in step.waiting_on() if o == actor or actor in step.stand_ins_for(o)]
    if not covered:
        raise FlowError(f"{actor} has already completed their part of this step")
    if step.kind is StepKind.CIRCULATION:
        # D-05: a stand-in reads for the absent reader; both are recorded.
        for owner in covered:
            step.done_by.append(owner)
            if owner != actor:
                step.acted_for[owner] = actor
    else:
        step.done_by.append(actor)
        if actor not in step.owners:
            step.acted_for[covered[0]] = actor
    if comment:
        step.comment = comment if not step.comment else f"{step.comment}\n{actor}: {comment}"
    finished = step.kind is not StepKind.CIRCULATION or not step.waiting_on()
    if finished:
        step.state = StepState.DONE
        step.completed_at = now
        step.completed_by = actor
        if step.kind is StepKind.ARCHIVE:
            document.state = DocumentState.ARCHIVED
    met = step.due_at is None or now <= step.due_at
    return StepOutcome(step=step, step_finished=finished, met_deadline=met)


def assign_stand_ins(
    document: Document, step: Step, stand_in_of: Callable[[str], str], reason: StandInReason
) -> list[StandIn]:
    """SPEC D-05: each owner the open step still waits on gets ``stand_in_of(owner)`` to
    act for them (their absence delegate, D-09, or their superior, D-08).

    A stand-in reads the document while standing in, as owners do (X-03);
    one reading a circulation for an absent reader becomes a named reader, as
    circulation recipients do. A secret document is read by its named readers
    only, so only they may stand in on one. Returns the stand-ins added.
    """
    added: list[StandIn] = []
    for owner in step.waiting_on():
        username = stand_in_of(owner)
        if document.security_class is SecurityClass.SECRET and username not in document.readers:
            continue
        if username and step.add_stand_in(owner, username, reason):
            added.append(step.stand_ins[-1])
    if step.kind is StepKind.CIRCULATION:
        document.add_readers(s.username for s in added)
    return added
