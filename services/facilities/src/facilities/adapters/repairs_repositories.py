"""Repositories of repair tickets and incidents (SPEC F-06, F-10)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from facilities.adapters import orm
from facilities.domain.incidents import Incident
from facilities.domain.repairs import Repair
from secretariat_shared.paging import Page
from secretariat_shared.records import Records


class Repairs(Records[Repair]):
    """Repair tickets (F-06)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.repairs, Repair)

    def page_for(
        self, state: str, page: Page | None, requester: str = ""
    ) -> tuple[list[Repair], int]:
        """Newest first; ``requester``'s only when given."""
        t = self.table
        conditions = [t.c.state == state] if state else []
        if requester:
            conditions.append(t.c.requester == requester)
        return self.page(*conditions, order_by=[t.c.reported_at.desc(), t.c.id], page=page)

    def in_states_due_from(self, states: Sequence[str], start: datetime) -> list[Repair]:
        """Tickets in ``states`` whose resolution is due at or after ``start``."""
        t = self.table
        return self.find(t.c.state.in_(list(states)), t.c.resolve_due_at >= start)


class Incidents(Records[Incident]):
    """Incidents (F-10)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.incidents, Incident)

    def page_in_state(self, state: str, page: Page | None) -> tuple[list[Incident], int]:
        """Newest first; every state's without ``state``."""
        t = self.table
        conditions = [t.c.state == state] if state else []
        return self.page(*conditions, order_by=[t.c.reported_at.desc(), t.c.id], page=page)
