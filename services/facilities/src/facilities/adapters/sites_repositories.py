"""Repositories of zones, inspection rounds and safety inspections (SPEC F-07, F-08)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from facilities.adapters import orm
from facilities.domain.sites import InspectionRound, Rectification, SafetyInspection, Zone
from secretariat_shared.paging import Page
from secretariat_shared.records import Records


class Zones(Records[Zone]):
    """Zones, keyed by code (F-07)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.zones, Zone)

    def by_code(self, code: str, for_update: bool = False) -> Zone | None:
        found = self.find(self.table.c.code == code, for_update=for_update)
        return found[0] if found else None

    def page_by_code(self, page: Page | None) -> tuple[list[Zone], int]:
        return self.page(order_by=[self.table.c.code], page=page)


class InspectionRounds(Records[InspectionRound]):
    """Daily inspection rounds (F-07)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.inspection_rounds, InspectionRound)

    def of_zone_on(self, zone_code: str, day: date) -> list[InspectionRound]:
        t = self.table
        return self.find(t.c.zone_code == zone_code, t.c.day == day)

    def page_for(
        self, zone_code: str, day: date | None, page: Page | None
    ) -> tuple[list[InspectionRound], int]:
        """Newest day first; the filters combine."""
        t = self.table
        conditions = []
        if zone_code:
            conditions.append(t.c.zone_code == zone_code)
        if day is not None:
            conditions.append(t.c.day == day)
        return self.page(*conditions, order_by=[t.c.day.desc(), t.c.zone_code, t.c.id], page=page)


class SafetyInspections(Records[SafetyInspection]):
    """Quarterly safety inspections (F-08)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.safety_inspections, SafetyInspection)

    def page_of_quarter(
        self, quarter: str, page: Page | None
    ) -> tuple[list[SafetyInspection], int]:
        """Newest first; every quarter's without ``quarter``."""
        t = self.table
        conditions = [t.c.quarter == quarter] if quarter else []
        return self.page(*conditions, order_by=[t.c.inspected_on.desc(), t.c.id], page=page)


class Rectifications(Records[Rectification]):
    """An inspection's rectification list (F-08)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, orm.rectifications, Rectification)

    def of_inspection(self, inspection_id: str) -> list[Rectification]:
        t = self.table
        return self.find(t.c.inspection_id == inspection_id, order_by=[t.c.position])
