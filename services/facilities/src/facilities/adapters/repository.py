"""Loading and saving the facilities aggregates.

Aggregates are dataclasses whose field names are their table's column
names; lists of nested dataclasses live in JSON columns. :class:`Records`
maps one to the other, so each table needs no hand-written mapping, and
:class:`Inventory` holds the queries that lock and sum stock.

One persistence style (issue 11): each aggregate has a repository, a
``Records`` subclass in ``*_repositories.py`` whose named methods are the
questions the use cases ask; the SQL conditions live there, never in the
service layer.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from facilities.adapters import orm
from facilities.domain.inventory import Batch, Draw
from secretariat_shared.table_repository import TableRepository, TableRow

T = TypeVar("T")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _nested_type(hint: Any) -> type | None:
    """The dataclass ``X`` of a ``list[X]`` hint, else None."""
    if typing.get_origin(hint) is list:
        (arg,) = typing.get_args(hint)
        if dataclasses.is_dataclass(arg):
            return typing.cast(type, arg)
    return None


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _from_json(cls: type[T], data: dict[str, Any]) -> T:
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        raw = data[f.name]
        hint = hints[f.name]
        nested = _nested_type(hint)
        if nested is not None:
            values[f.name] = [_from_json(nested, item) for item in raw]
        elif isinstance(raw, str) and hint in (datetime, datetime | None):
            values[f.name] = datetime.fromisoformat(raw)
        elif isinstance(raw, str) and hint in (date, date | None):
            values[f.name] = date.fromisoformat(raw)
        else:
            values[f.name] = raw
    return cls(**values)


class Records(TableRepository[T]):
    """One aggregate type in one table, keyed by ``id``; the generic reads
    (``get``, ``find``, ``count``, ``page``) come from the shared base."""

    def __init__(self, session: Session, table: Table, cls: type[T]) -> None:
        super().__init__(session, table)
        self.cls = cls

    def to_row(self, obj: T) -> dict[str, Any]:
        columns = self.table.c
        row: dict[str, Any] = {}
        for f in dataclasses.fields(obj):  # type: ignore[arg-type]
            if f.name in columns:
                value = getattr(obj, f.name)
                row[f.name] = _to_json(value) if isinstance(value, list) else value
        return row

    def from_row(self, row: TableRow) -> T:
        mapping = row._mapping
        hints = _hints(self.cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(self.cls):  # type: ignore[arg-type]
            if f.name not in mapping:
                continue
            value = mapping[f.name]
            nested = _nested_type(hints[f.name])
            if nested is not None:
                value = [_from_json(nested, item) for item in value]
            elif isinstance(value, list):
                value = list(value)
            values[f.name] = value
        return self.cls(**values)

    def add(self, obj: T, **extra: Any) -> None:
        self.add_row({**self.to_row(obj), **extra})

    def save(self, obj: T, **extra: Any) -> None:
        row = self.to_row(obj)
        key = row.pop("id")
        self.change(key, {**row, **extra})

    def delete(self, key: str) -> None:
        self.remove_where(self.table.c.id == key)


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
