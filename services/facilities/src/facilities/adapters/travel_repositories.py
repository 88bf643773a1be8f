"""Repositories of trips, expense claims and company events (SPEC F-09)."""

from __future__ import annotations

from sqlalchemy import literal, or_
from sqlalchemy.orm import Session

from facilities.adapters import orm
from facilities.domain.travel import CompanyEvent, Expense, Trip
from secretariat_shared.access import Reach, SecurityClass
from secretariat_shared.access_sql import reach_condition
from secretariat_shared.paging import Page
from secretariat_shared.records import Records


class Trips(Records[Trip]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.trips, Trip)

    def page_for(
        self, state: str, page: Page | None, traveller: str = ""
    ) -> tuple[list[Trip], int]:
        """Newest first; ``traveller``'s only when given."""
        t = self.table
        conditions = [t.c.state == state] if state else []
        if traveller:
            conditions.append(t.c.traveller == traveller)
        return self.page(*conditions, order_by=[t.c.requested_at.desc(), t.c.id], page=page)


class Expenses(Records[Expense]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.expenses, Expense)

    def page_for(
        self,
        state: str,
        page: Page | None,
        claimant: str = "",
        reach: Reach | None = None,
    ) -> tuple[list[Expense], int]:
        """Newest first. With ``claimant`` alone: theirs; with ``reach`` too: theirs
        and those the viewer reads by X-03 (claims are ``confidential``)."""
        t = self.table
        conditions = [t.c.state == state] if state else []
        if claimant and reach is not None:
            by_class = reach_condition(
                reach, literal(SecurityClass.CONFIDENTIAL.value), t.c.department_code
            )
            conditions.append(or_(t.c.claimant == claimant, by_class))
        elif claimant:
            conditions.append(t.c.claimant == claimant)
        return self.page(*conditions, order_by=[t.c.submitted_at.desc(), t.c.id], page=page)


class CompanyEvents(Records[CompanyEvent]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.company_events, CompanyEvent)

    def page_by_date(self, page: Page | None) -> tuple[list[CompanyEvent], int]:
        t = self.table
        return self.page(order_by=[t.c.event_date, t.c.id], page=page)
