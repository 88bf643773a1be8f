"""The facilities stock queries: :class:`Inventory` locks items and sums and
moves their batches (SPEC F-03, F-05).

The aggregates themselves are loaded and saved by the ``*_repositories.py``
modules, each a :class:`secretariat_shared.records.Records` subclass whose
named methods are the questions the use cases ask (issue 11).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from facilities.adapters import orm
from facilities.domain.inventory import Batch, Draw


class Inventory:
    """Batches and the stock ledger (SPEC F-03, F-05)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_items(self, item_ids: Sequence[str]) -> None:
        """Row-lock the items, in id order so concurrent issues never deadlock.

        Every change of an item's stock takes this lock first, so two
        issues of the same item queue and the second sees what the first
        left (PostgreSQL; SQLite writers are already serialised).
        """
        ids = sorted(set(item_ids))
        if ids:
            self.session.execute(
                select(orm.items.c.id)
                .where(orm.items.c.id.in_(ids))
                .order_by(orm.items.c.id)
                .with_for_update()
            ).all()

    def batches(self, item_id: str, with_stock_only: bool = True) -> list[Batch]:
        t = orm.batches
        stmt = select(t).where(t.c.item_id == item_id)
        if with_stock_only:
            stmt = stmt.where(t.c.remaining > 0)
        rows = self.session.execute(stmt.order_by(t.c.received_at, t.c.seq)).mappings()
        return [
            Batch(
                id=r["id"],
                item_id=r["item_id"],
                quantity_received=int(r["quantity_received"]),
                remaining=int(r["remaining"]),
                unit_cost_fen=int(r["unit_cost_fen"]),
                received_at=r["received_at"],
                source=r["source"],
                seq=int(r["seq"]),
            )
            for r in rows
        ]

    def on_hand(self, item_id: str) -> int:
        t = orm.batches
        total = self.session.execute(
            select(func.coalesce(func.sum(t.c.remaining), 0)).where(t.c.item_id == item_id)
        ).scalar_one()
        return int(total)

    def add_batch(self, batch: Batch) -> None:
        t = orm.batches
        last = self.session.execute(
            select(func.coalesce(func.max(t.c.seq), 0)).where(t.c.item_id == batch.item_id)
        ).scalar_one()
        batch.seq = int(last) + 1
        self.session.execute(
            insert(t).values(
                id=batch.id,
                seq=batch.seq,
                item_id=batch.item_id,
                quantity_received=batch.quantity_received,
                remaining=batch.remaining,
                unit_cost_fen=batch.unit_cost_fen,
                received_at=batch.received_at,
                source=batch.source,
            )
        )

    def consume(self, draws: Sequence[Draw]) -> None:
        t = orm.batches
        for draw in draws:
            result = self.session.execute(
                update(t)
                .where(t.c.id == draw.batch_id, t.c.remaining >= draw.quantity)
                .values(remaining=t.c.remaining - draw.quantity)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise RuntimeError(f"batch {draw.batch_id} changed under a held item lock")

    def record_movement(
        self,
        item_id: str,
        kind: str,
        quantity: int,
        cost_fen: int,
        draws: Sequence[Draw],
        ref: str,
        actor: str,
        reason: str,
        at: datetime,
        on_hand_after: int,
    ) -> None:
        self.session.execute(
            insert(orm.stock_movements).values(
                item_id=item_id,
                kind=kind,
                quantity=quantity,
                cost_fen=cost_fen,
                draws=[
                    {
                        "batch_id": d.batch_id,
                        "quantity": d.quantity,
                        "unit_cost_fen": d.unit_cost_fen,
                    }
                    for d in draws
                ],
                ref=ref,
                actor=actor,
                reason=reason,
                at=at,
                on_hand_after=on_hand_after,
            )
        )

    def issued_since(self, item_id: str, since: datetime) -> int:
        """Units issued to people from ``since`` on (F-04 history; write-offs excluded)."""
        t = orm.stock_movements
        total = self.session.execute(
            select(func.coalesce(func.sum(-t.c.quantity), 0)).where(
                t.c.item_id == item_id, t.c.kind == "issue", t.c.at >= since
            )
        ).scalar_one()
        return int(total)

    def issued_in_window(self, item_id: str, now: datetime, window_days: int) -> int:
        return self.issued_since(item_id, now - timedelta(days=window_days))

    def history_days(self, item_id: str, now: datetime) -> int:
        """Whole days since the item's first stock movement (F-04); 0 without any."""
        t = orm.stock_movements
        first = self.session.execute(
            select(func.min(t.c.at)).where(t.c.item_id == item_id)
        ).scalar_one()
        if first is None:
            return 0
        if first.tzinfo is None:
            first = first.replace(tzinfo=now.tzinfo)
        return max(0, int((now - first).days))
