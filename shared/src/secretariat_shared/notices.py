"""Tell people about an item (SPEC X-06): one recipient rule for every service.

A service does not write inbox items; it emits ``<service>.notification.requested``
carrying a :class:`~secretariat.common.v1.notice_pb2.Notice` beside its domain
event, in the same unit of work, and infohub makes the items. This module is
the one place that turns "tell these people about this item" into that event,
so every service picks recipients the same way (issue 11 item 3):

- each person once, in a stable (sorted) order;
- no empty names, no service identities (``service:…``) and no ``system``;
- the person who did the thing left out, unless the caller asks to include
  them (``include_actor``);
- with a Directory, people it does not know as active (left, deactivated)
  dropped; when the Directory cannot answer, nobody is dropped for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from secretariat.common.v1 import notice_pb2
from secretariat_shared.directory import Directory
from secretariat_shared.uow import UnitOfWork

SYSTEM_ACTOR = "system"


def notice_event(service: str) -> str:
    """The event type a service's notices travel as: ``<service>.notification.requested``."""
    return f"{service}.notification.requested"


def recipients_of(
    people: Iterable[str],
    *,
    actor: str = "",
    include_actor: bool = False,
    directory: Directory | None = None,
) -> list[str]:
    """The recipient rule alone: who of ``people`` is told (see the module doc)."""
    chosen = {
        p
        for p in people
        if p and p != SYSTEM_ACTOR and not p.startswith("service:")
        if include_actor or not actor or p != actor
    }
    if directory is not None:
        chosen = {p for p in chosen if _active(directory, p)}
    return sorted(chosen)


def _active(directory: Directory, username: str) -> bool:
    """Known and active; a Directory that cannot answer keeps the person (a
    notice too many beats a failed command)."""
    try:
        return directory.person(username) is not None
    except Exception:
        return True


def request_notice(
    uow: UnitOfWork,
    service: str,
    people: Iterable[str],
    *,
    kind: str,
    title: str,
    body: str,
    subject_ref: str,
    key: str = "",
    due_at: datetime | None = None,
    actor: str = "",
    include_actor: bool = False,
    directory: Directory | None = None,
) -> list[str]:
    """Emit ``<service>.notification.requested`` for ``people`` about ``subject_ref``.

    ``key`` is the event's aggregate id (default: ``subject_ref``). Returns
    who is told; with nobody left, nothing is emitted.
    """
    recipients = recipients_of(
        people, actor=actor, include_actor=include_actor, directory=directory
    )
    if not recipients:
        return []
    notice = notice_pb2.Notice(
        recipients=recipients, kind=kind, title=title, body=body, subject_ref=subject_ref
    )
    if due_at is not None:
        notice.due_at.FromDatetime(due_at.astimezone(UTC))
    uow.emit(notice_event(service), key or subject_ref, notice)
    return recipients


class Notifier:
    """:func:`request_notice` bound to one service (and its Directory), called
    positionally: ``notify(uow, people, kind, title, body, subject_ref, due_at)``."""

    def __init__(self, service: str, directory: Directory | None = None) -> None:
        self.service = service
        self.directory = directory

    def __call__(
        self,
        uow: UnitOfWork,
        people: Iterable[str],
        kind: str,
        title: str,
        body: str,
        subject_ref: str,
        due_at: datetime | None = None,
    ) -> list[str]:
        return request_notice(
            uow,
            self.service,
            people,
            kind=kind,
            title=title,
            body=body,
            subject_ref=subject_ref,
            due_at=due_at,
            directory=self.directory,
        )
