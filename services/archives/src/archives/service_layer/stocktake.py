"""The yearly stock-take (SPEC A-05): every paper record is listed, checked
present / missing / damaged by its scanned label; damage opens a repair."""

from __future__ import annotations

from typing import Any

from archives.adapters.labels import Label, label_sheet, label_sheet_pdf, label_text
from archives.adapters.record_repositories import ArchiveRecords
from archives.adapters.stocktake_repositories import Repairs, StockTakeItems
from archives.adapters.stocktake_repositories import StockTakes as StockTakeRows
from archives.domain.records import Shelf
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
            campaigns = StockTakeRows(uow.session)
            if campaigns.year_taken(year):
                raise Conflict(f"the {year} stock-take is already open")
            campaigns.add_row(
                {
                    "id": stock_take_id,
                    "year": year,
                    "started_at": self._ctx.clock.now(),
                    "started_by": actor.username,
                }
            )
            paper = ArchiveRecords(uow.session).on_shelves()
            StockTakeItems(uow.session).add_rows(
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
                ]
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
        with self._ctx.db.reading() as session:
            campaign = StockTakeRows(session).get(stock_take_id)
            if campaign is None:
                raise NotFound("no such stock-take")
            items = StockTakeItems(session)
            counts = items.counts_by_result(stock_take_id)
            missing = items.with_result(stock_take_id, "missing")
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
        with self._ctx.db.reading() as session:
            year = StockTakeRows(session).year_of(stock_take_id)
            if year is None:
                raise NotFound("no such stock-take")
            rows = StockTakeItems(session).with_shelves(stock_take_id)
        return year, [
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
        now = self._ctx.clock.now()
        with self._ctx.uow_factory() as uow:
            items = StockTakeItems(uow.session)
            item = items.item(stock_take_id, record_id)
            if item is None:
                raise NotFound("the label is not a record of this stock-take")
            if item.result != UNCHECKED and item.result == result:
                raise PreconditionFailed(f"the record is already checked {result}")
            items.check(
                stock_take_id,
                record_id,
                {
                    "result": result,
                    "note": note.strip(),
                    "checked_by": actor.username,
                    "checked_at": now,
                },
            )
            if result == "damaged":
                Repairs(uow.session).add_row(
                    {
                        "id": new_id(),
                        "record_id": record_id,
                        "record_number": item.record_number,
                        "stock_take_id": stock_take_id,
                        "fault": note.strip(),
                        "state": "open",
                        "opened_at": now,
                        "resolution": "",
                        "done_by": "",
                    }
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
            row = StockTakeItems(session).item(stock_take_id, record_id)
        assert row is not None  # checked above
        return self._item_view(row)

    def repairs(
        self, actor: Identity, open_only: bool, page_number: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int, int, int]:
        require_archivist(actor)
        page = page_of(page_number, page_size)
        with self._ctx.db.reading() as session:
            rows, total = Repairs(session).page_for(open_only, page)
        return [row_dict(x) for x in rows], total, page.page, page.page_size

    def complete_repair(self, actor: Identity, repair_id: str, resolution: str) -> dict[str, Any]:
        require_archivist(actor)
        if not resolution.strip():
            raise ValidationFailed(FieldError("resolution", "is required"))
        with self._ctx.uow_factory() as uow:
            repairs = Repairs(uow.session)
            row = repairs.get(repair_id)
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
            repairs.change(repair_id, changes)
            uow.audit(
                actor.username, "archives.repair.done", "archive_repair", repair_id, after=changes
            )
            uow.commit()
        with self._ctx.db.reading() as session:
            return row_dict(Repairs(session).one(repair_id))
