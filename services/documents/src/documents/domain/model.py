"""The registered document and its incoming-flow steps (SPEC D-03..D-05, X-03)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

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
    owners of its open step read it while that step is theirs."""
    step = document.current_step()
    return Item(
        security_class=document.security_class,
        department_code=document.department_code,
        named_readers=frozenset(document.readers),
        step_owners=frozenset(step.owners) if step is not None else frozenset(),
    )


def can_read(viewer: Viewer, document: Document) -> bool:
    """SPEC X-03: may ``viewer`` read ``document`` (the one shared rule)."""
    return may_read(viewer, access_item(document))


DeadlineFor = Callable[[datetime, Priority], datetime]


def step_deadline_hours(priority: Priority) -> float:
    """SPEC D-10: routine documents flow within 24 hours; urgent ones respond within 2."""
    return 2.0 if priority is Priority.URGENT else 24.0


def open_step(
    document: Document,
    step_id: str,
    kind: StepKind,
    owners: list[str],
    now: datetime,
    deadline_for: DeadlineFor,
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
    if actor not in step.owners:
        raise PermissionError(f"{actor} is not an owner of this {step.kind.value} step")
    if actor in step.done_by:
        raise FlowError(f"{actor} has already completed their part of this step")
    step.done_by.append(actor)
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
