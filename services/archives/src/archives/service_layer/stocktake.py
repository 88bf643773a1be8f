"""The yearly stock-take (SPEC A-05): every paper record is listed, checked
present / missing / damaged by its scanned label; damage opens a repair."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from archives.adapters import orm
from archives.adapters.labels import Label, label_sheet, label_sheet_pdf, label_text
from archives.domain.records import ACTIVE, Shelf
from archives.service_layer.common import Context, new_id, row_dict
from archives.service_layer.records import require_archivist
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import page_of

RESULTS = ("present", "missing", "damaged")
UNCHECKED = "unchecked"


def record_id_of(label: str) -> str:
    return label.strip().removeprefix("ARCH:")


class StockTakes:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def start(self, actor: Identity, year: int) -> dict[str, Any]:
        require_archivist(actor)
        stock_take_id = new_id()
        with self._ctx.uow_factory() as uow:
            taken = uow.session.execute(
                select(orm.stock_takes.c.id).where(orm.stock_takes.c.year == year)
            ).first()
            if taken is not None:
                raise Conflict(f"the {year} stock-take is already open")
            uow.session.execute(
                insert(orm.stock_takes).values(
                    id=stock_take_id,
                    year=year,
                    started_at=self._ctx.clock.now(),
                    started_by=actor.username,
                )
            )
            paper = uow.session.execute(
                select(orm.records.c.id, orm.records.c.number, orm.records.c.title).where(
                    orm.records.c.storeroom != "", orm.records.c.state == ACTIVE
                )
            ).all()
            if paper:
                uow.session.execute(
                    insert(orm.stock_take_items),
                    [
                        {
                            "stock_take_id": stock_take_id,
                            "record_id": r.id,
                            "record_number": r.number,
                            "title": r.title,
                            "result": UNCHECKED,
                            "note": "",
                            "checked_by": "",
                        }
                        for r in paper
                    ],
                )
            uow.audit(
                actor.username,
                "archives.stocktake.started",
                "stock_take",
                stock_take_id,
                after={"year": year, "records": len(paper)},
            )
            uow.commit()
        return self.report(actor, stock_take_id)

    def report(self, actor: Identity, stock_take_id: str) -> dict[str, Any]:
        require_archivist(actor)
        items = orm.stock_take_items
        with self._ctx.db.reading() as session:
            campaign = session.execute(
                select(orm.stock_takes).where(orm.stock_takes.c.id == stock_take_id)
            ).first()
            if campaign is None:
                raise NotFound("no such stock-take")
            counts: dict[str, int] = dict(
                session.execute(
                    select(items.c.result, func.count())
                    .where(items.c.stock_take_id == stock_take_id)
                    .group_by(items.c.result)
                ).all()
            )
            missing = session.execute(
                select(items)
                .where(items.c.stock_take_id == stock_take_id, items.c.result == "missing")
                .order_by(items.c.record_number)
            ).all()
        return {
            "id": campaign.id,
            "year": campaign.year,
            "started_at": campaign.started_at,
            "total": sum(counts.values()),
            "unchecked": counts.get(UNCHECKED, 0),
            "present": counts.get("present", 0),
            "missing": counts.get("missing", 0),
            "damaged": counts.get("damaged", 0),
            "missing_items": [self._item_view(m) for m in missing],
        }

    @staticmethod
    def _item_view(row: Any) -> dict[str, Any]:
        view = row_dict(row)
        view.pop("stock_take_id", None)
        view["label"] = label_text(view["record_id"])
        return view

    def _labels(self, actor: Identity, stock_take_id: str) -> tuple[int, list[Label]]:
        require_archivist(actor)
        items, records = orm.stock_take_items, orm.records
        with self._ctx.db.reading() as session:
            year = session.execute(
                select(orm.stock_takes.c.year).where(orm.stock_takes.c.id == stock_take_id)
            ).scalar_one_or_none()
            if year is None:
                raise NotFound("no such stock-take")
            rows = session.execute(
                select(
                    items.c.record_id,
                    items.c.record_number,
                    items.c.title,
                    records.c.storeroom,
                    records.c.cabinet,
                    records.c.shelf,
                    records.c.box,
                )
                .join(records, records.c.id == items.c.record_id, isouter=True)
                .where(items.c.stock_take_id == stock_take_id)
                .order_by(items.c.record_number)
            ).all()
        return int(year), [
            Label(
                label_text(r.record_id),
                r.record_number,
                r.title,
                Shelf(r.storeroom or "", r.cabinet or "", r.shelf or "", r.box or "").text,
            )
            for r in rows
        ]

    def labels(self, actor: Identity, stock_take_id: str) -> bytes:
        """A-05: the label sheet as a PNG."""
        return label_sheet(self._labels(actor, stock_take_id)[1])

    def labels_pdf(self, actor: Identity, stock_take_id: str) -> bytes:
        """A-05: the label sheet as A4 PDF pages (Chinese titles embedded)."""
        year, labels = self._labels(actor, stock_take_id)
        return label_sheet_pdf(labels, f"{year}年度档案盘点标签")

    def check(
        self, actor: Identity, stock_take_id: str, label: str, result: str, note: str
    ) -> dict[str, Any]:
        require_archivist(actor)
        if result not in RESULTS:
            raise ValidationFailed(FieldError("result", "must be present, missing or damaged"))
        if result == "damaged" and not note.strip():
            raise ValidationFailed(FieldError("note", "say what is damaged: it opens a repair"))
        record_id = record_id_of(label)
        items = orm.stock_take_items
        now = self._ctx.clock.now()
        with self._ctx.uow_factory() as uow:
            item = uow.session.execute(
                select(items).where(
                    items.c.stock_take_id == stock_take_id, items.c.record_id == record_id
                )
            ).first()
            if item is None:
                raise NotFound("the label is not a record of this stock-take")
            if item.result != UNCHECKED and item.result == result:
                raise PreconditionFailed(f"the record is already checked {result}")
            uow.session.execute(
                update(items)
                .where(items.c.stock_take_id == stock_take_id, items.c.record_id == record_id)
                .values(result=result, note=note.strip(), checked_by=actor.username, checked_at=now)
            )
            if result == "damaged":
                uow.session.execute(
                    insert(orm.repairs).values(
                        id=new_id(),
                        record_id=record_id,
                        record_number=item.record_number,
                        stock_take_id=stock_take_id,
                        fault=note.strip(),
                        state="open",
                        opened_at=now,
                        resolution="",
                        done_by="",
                    )
                )
            uow.audit(
                actor.username,
                "archives.stocktake.checked",
                "archive_record",
                record_id,
                before={"result": item.result},
                after={"result": result, "note": note},
            )
            uow.commit()
        with self._ctx.db.reading() as session:
            row = session.execute(
                select(items).where(
                    items.c.stock_take_id == stock_take_id, items.c.record_id == record_id
                )
            ).one()
        return self._item_view(row)

    def repairs(
        self, actor: Identity, open_only: bool, page_number: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        require_archivist(actor)
        page = page_of(page_number, page_size)
        r = orm.repairs
        where = [r.c.state == "open"] if open_only else []
        with self._ctx.db.reading() as session:
            total = int(
                session.execute(select(func.count()).select_from(r).where(*where)).scalar_one()
            )
            rows = session.execute(
                select(r)
                .where(*where)
                .order_by(r.c.state.desc(), r.c.opened_at.desc(), r.c.id)
                .offset(page.offset)
                .limit(page.limit)
            ).all()
        return [row_dict(x) for x in rows], total, page.page, page.page_size

    def complete_repair(self, actor: Identity, repair_id: str, resolution: str) -> dict[str, Any]:
        require_archivist(actor)
        if not resolution.strip():
            raise ValidationFailed(FieldError("resolution", "is required"))
        r = orm.repairs
        with self._ctx.uow_factory() as uow:
            row = uow.session.execute(select(r).where(r.c.id == repair_id)).first()
            if row is None:
                raise NotFound("no such repair")
            if row.state == "done":
                raise PreconditionFailed("the repair is already done")
            changes = {
                "state": "done",
                "done_at": self._ctx.clock.now(),
                "resolution": resolution.strip(),
                "done_by": actor.username,
            }
            uow.session.execute(update(r).where(r.c.id == repair_id).values(**changes))
            uow.audit(
                actor.username, "archives.repair.done", "archive_repair", repair_id, after=changes
            )
            uow.commit()
        with self._ctx.db.reading() as session:
            return row_dict(session.execute(select(r).where(r.c.id == repair_id)).one())
