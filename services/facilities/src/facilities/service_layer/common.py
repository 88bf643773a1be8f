"""What every facilities use case shares: time, roles, notices, events."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from facilities.adapters.orm import platform
from facilities.service_layer.ports import Approvals, Directory
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork, ReadStores
from secretariat_shared.calendar import BusinessCalendar
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, PermissionDenied, ValidationFailed
from secretariat_shared.identity import Identity
from secretariat_shared.notices import request_notice
from secretariat_shared.proto_conversions import set_timestamp
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerStore
from secretariat_shared.uow import UnitOfWork

SERVICE = "facilities"

STOREKEEPERS = (Role.SECRETARIAT, Role.ADMIN)
"""Who runs the storeroom: catalogue, consolidation, receipts, issues, stock-takes."""
OVERSEERS = (Role.SECRETARIAT, Role.FINANCE, Role.OFFICE_DIRECTOR, Role.ADMIN)
"""Who may read every requisition, list and order."""


T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a list (every match when no page was asked) and how many
    match over every page (the contract's ``total``)."""

    items: list[T]
    total: int

    @classmethod
    def of(cls, found: tuple[list[T], int]) -> Listing[T]:
        return cls(*found)


@dataclasses.dataclass
class Context:
    """The collaborators every use case gets from the composition root."""

    uow_factory: Callable[[], FacilitiesUnitOfWork]
    db: Database
    clock: Clock
    calendar: BusinessCalendar
    directory: Directory
    approvals: Approvals
    timezone: str = "Asia/Shanghai"


class UseCases:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.clock = ctx.clock
        self.calendar = ctx.calendar
        self.directory = ctx.directory
        self.approvals = ctx.approvals
        self.zone = ZoneInfo(ctx.timezone)
        self.timers = TimerStore(platform)

    def uow(self) -> FacilitiesUnitOfWork:
        return self.ctx.uow_factory()

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def reading(self) -> Iterator[ReadStores]:
        with self.ctx.db.reading() as session:
            yield ReadStores(session)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def end_of_day(self, day: date) -> datetime:
        """24:00 local of ``day``: a due date is met any time on that day."""
        return self.calendar.start_of_day(date.fromordinal(day.toordinal() + 1))

    def notify(
        self,
        uow: UnitOfWork,
        recipients: Iterable[str],
        kind: str,
        title: str,
        body: str,
        subject_ref: str,
        due_at: datetime | None = None,
    ) -> None:
        """SPEC X-06: a notice beside the domain event; infohub makes the inbox items.

        The shared recipient rule (:mod:`secretariat_shared.notices`) picks who
        is told; with nobody to tell, nothing is emitted.
        """
        request_notice(
            uow,
            SERVICE,
            recipients,
            kind=kind,
            title=title,
            body=body,
            subject_ref=subject_ref,
            due_at=due_at,
            directory=self.directory,
        )

    def holders(self, *roles: str) -> list[str]:
        people: set[str] = set()
        for role in roles:
            people.update(self.directory.role_holders(role))
        return sorted(people)

    def local(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


def require_role(actor: Identity, roles: Iterable[str], doing: str) -> None:
    allowed = tuple(roles)
    if not actor.has_role(*allowed):
        raise PermissionDenied(f"{doing} needs the role " + " or ".join(allowed))


def require_text(value: str, field: str, errors: list[FieldError], limit: int = 200) -> str:
    text = value.strip()
    if not text:
        errors.append(FieldError(field, "is required"))
    elif len(text) > limit:
        errors.append(FieldError(field, f"must be at most {limit} characters"))
    return text


def bounded(problem: str | None, field: str, errors: list[FieldError]) -> None:
    """Record a bound's problem (:mod:`facilities.domain.limits`) against ``field``."""
    if problem:
        errors.append(FieldError(field, problem))


def parse_date(value: str, field: str, errors: list[FieldError]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(field, "must be a date YYYY-MM-DD"))
        return None


def add_problems(errors: list[FieldError], problems: Iterable[tuple[str, str]]) -> None:
    """The domain's problems with an input (:mod:`facilities.domain.limits`) as field errors."""
    errors.extend(FieldError(field, message) for field, message in problems)


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _is_repeated(field: Any) -> bool:
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(field.label == field.LABEL_REPEATED)


M = TypeVar("M", bound=Message)


def to_proto(message: M, source: Any) -> M:
    """Copy ``source``'s attributes into the fields of the same names.

    Datetimes become Timestamps, dates ISO strings, nested dataclasses and
    lists of them nested messages; None leaves a field unset.
    """
    for field in message.DESCRIPTOR.fields:
        if not hasattr(source, field.name):
            continue
        value = getattr(source, field.name)
        if value is None:
            continue
        target = getattr(message, field.name)
        nested = field.message_type
        if nested is not None and nested.full_name == Timestamp.DESCRIPTOR.full_name:
            set_timestamp(value, target)
        elif _is_repeated(field):
            for item in value:
                if nested is not None:
                    to_proto(target.add(), item)
                else:
                    target.append(item)
        elif nested is not None:
            to_proto(target, value)
        elif isinstance(value, date):
            setattr(message, field.name, value.isoformat())
        else:
            setattr(message, field.name, value)
    return message
