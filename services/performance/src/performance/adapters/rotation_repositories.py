"""Repositories of the 360 review after a rotation (SPEC C-06 with P-05)."""

from __future__ import annotations

from sqlalchemy import select

from performance.adapters import orm
from secretariat_shared.table_repository import RowRepository, TableRow


class RotationReviews(RowRepository):
    """One review per rotation, keyed by the rotation's id."""

    table = orm.rotation_reviews

    def exists(self, rotation_id: str) -> bool:
        t = self.table
        return self.session.execute(select(t.c.id).where(t.c.id == rotation_id)).first() is not None


class RotationRatings(RowRepository):
    table = orm.rotation_ratings

    def rated_by(self, rotation_id: str, rater: str) -> bool:
        t = self.table
        found = self.session.execute(
            select(t.c.id).where(t.c.rotation_id == rotation_id, t.c.rater == rater)
        ).first()
        return found is not None

    def of_rotation(self, rotation_id: str) -> list[TableRow]:
        """In the order they were given."""
        t = self.table
        return self.find(t.c.rotation_id == rotation_id, order_by=[t.c.created_at])
