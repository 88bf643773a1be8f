"""Stock kept per batch and issued FIFO (SPEC F-03), the minimum-stock line and
replenishment requests (F-04)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from facilities.domain.inventory import (
    Batch,
    BatchDraw,
    InsufficientStock,
    Issue,
    IssueLine,
    Replenishment,
    StockLevel,
    averaging_days,
    cost_of,
    is_below_line,
    line_in_force,
    minimum_stock_line,
    movement_problems,
    plan_fifo,
    suggested_replenishment,
)
from facilities.domain.supplies import (
    Item,
)
from facilities.service_layer import metrics
from facilities.service_layer.catalogue import Catalogue, snapshot
from facilities.service_layer.common import (
    OVERSEERS,
    STOREKEEPERS,
    Listing,
    add_problems,
    raise_if,
    require_role,
    require_text,
    to_proto,
)
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork, Stores
from secretariat.facilities.v1 import events_pb2, facilities_pb2
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role


@dataclass(frozen=True)
class StockCount:
    item_code: str
    counted: int
    reason: str = ""


class Stock(Catalogue):
    """Stock per batch issued first-in-first-out (F-03) and the minimum-stock line
    with its replenishment requests (F-04)."""

    # -- stock (F-03, F-04) ------------------------------------------------------

    def _book_in(
        self,
        uow: FacilitiesUnitOfWork,
        item: Item,
        quantity: int,
        unit_cost_fen: int,
        source: str,
        actor: str,
        reason: str,
        now: datetime,
        kind: str = "receipt",
    ) -> None:
        """Caller holds the item lock."""
        batch = Batch(
            id=str(uuid.uuid4()),
            item_id=item.id,
            quantity_received=quantity,
            remaining=quantity,
            unit_cost_fen=unit_cost_fen,
            received_at=now,
            source=source,
        )
        uow.inventory.add_batch(batch)
        stock = uow.inventory.on_hand(item.id)
        cost = quantity * unit_cost_fen
        uow.inventory.record_movement(
            item.id, kind, quantity, cost, [], source, actor, reason, now, stock
        )
        uow.emit(
            "facilities.stock.received" if kind == "receipt" else "facilities.stock.adjusted",
            item.id,
            events_pb2.StockMoved(
                item_code=item.code,
                kind=kind,
                quantity=quantity,
                cost_fen=cost,
                on_hand_after=stock,
                ref=source,
                actor=actor,
            ),
        )
        self._review_line(uow, item, stock, now)

    def _draw(
        self,
        uow: FacilitiesUnitOfWork,
        item: Item,
        quantity: int,
        ref: str,
        actor: str,
        reason: str,
        now: datetime,
        kind: str = "issue",
    ) -> IssueLine:
        """SPEC F-03: take ``quantity`` from the oldest batches. Caller holds the item lock."""
        draws = plan_fifo(uow.inventory.batches(item.id), quantity, item.code)
        uow.inventory.consume(draws)
        stock = uow.inventory.on_hand(item.id)
        cost = cost_of(draws)
        uow.inventory.record_movement(
            item.id, kind, -quantity, -cost, draws, ref, actor, reason, now, stock
        )
        uow.emit(
            "facilities.stock.issued" if kind == "issue" else "facilities.stock.adjusted",
            item.id,
            events_pb2.StockMoved(
                item_code=item.code,
                kind=kind,
                quantity=-quantity,
                cost_fen=-cost,
                on_hand_after=stock,
                ref=ref,
                actor=actor,
            ),
        )
        self._review_line(uow, item, stock, now)
        return IssueLine(
            item_code=item.code,
            quantity=quantity,
            cost_fen=cost,
            draws=[BatchDraw(d.batch_id, d.quantity, d.unit_cost_fen) for d in draws],
        )

    def _line_of(self, stores: Stores, item: Item, now: datetime) -> tuple[int, int]:
        """(line in force, computed line) of an item now (F-04)."""
        days = averaging_days(stores.inventory.history_days(item.id, now), self._window_days)
        computed = minimum_stock_line(stores.inventory.issued_in_window(item.id, now, days), days)
        return line_in_force(computed, item.min_stock_override), computed

    def _review_line(
        self, uow: FacilitiesUnitOfWork, item: Item, stock: int, now: datetime
    ) -> None:
        """SPEC F-04: below the line raises one replenishment request; back at or above it
        closes the open one. The item lock makes the check-then-insert safe; the partial
        unique index makes a second open request impossible even so."""
        line, _ = self._line_of(uow, item, now)
        open_requests = uow.replenishments.open_for_item(item.id)
        if is_below_line(stock, line):
            if open_requests:
                return
            request = Replenishment(
                id=str(uuid.uuid4()),
                item_id=item.id,
                item_code=item.code,
                line=line,
                on_hand=stock,
                suggested_quantity=suggested_replenishment(stock, line),
                state="open",
                raised_at=now,
            )
            uow.replenishments.add(request)
            uow.emit(
                "facilities.replenishment.requested",
                request.id,
                events_pb2.ReplenishmentChanged(
                    replenishment=to_proto(facilities_pb2.Replenishment(), request)
                ),
            )
            uow.audit("system", "raise", "replenishment", request.id, None, snapshot(request))
            self.notify(
                uow,
                self.holders(Role.SECRETARIAT),
                "replenishment_requested",
                f"{item.name} 低于最低库存",
                f"{item.name}（{item.code}）库存 {stock}{item.unit}，低于最低库存线 {line}{item.unit}；"
                f"建议补货 {request.suggested_quantity}{item.unit}，将列入下一次需求汇总。",
                f"facilities/replenishments/{request.id}",
            )
            uow.after_commit(metrics.REPLENISHMENTS.inc)
        else:
            for request in open_requests:
                request.state = "closed"
                request.closed_at = now
                uow.replenishments.save(request)
                uow.emit(
                    "facilities.replenishment.closed",
                    request.id,
                    events_pb2.ReplenishmentChanged(
                        replenishment=to_proto(facilities_pb2.Replenishment(), request)
                    ),
                )
                uow.audit("system", "close", "replenishment", request.id, None, snapshot(request))

    def stock_level(self, stores: Stores, item: Item, now: datetime) -> StockLevel:
        batches = stores.inventory.batches(item.id)
        line, computed = self._line_of(stores, item, now)
        return StockLevel(
            item_code=item.code,
            name=item.name,
            unit=item.unit,
            on_hand=sum(b.remaining for b in batches),
            value_fen=sum(b.value_fen for b in batches),
            min_stock_line=line,
            computed_line=computed,
            batches=batches,
        )

    def list_stock(
        self, actor: Identity, item_code: str, page: Page | None = None
    ) -> Listing[StockLevel]:
        """Stock levels by item code; only the page's levels are computed."""
        now = self.now()
        with self.reading() as stores:
            items, total = stores.items.page_by_code(page, item_code.strip().upper())
            if item_code and not total:
                raise NotFound(f"item {item_code} not found")
            return Listing([self.stock_level(stores, item, now) for item in items], total)

    def _item_for_update(self, uow: FacilitiesUnitOfWork, code: str, field: str) -> Item:
        found = uow.items.by_code(code.strip().upper())
        if found is None:
            raise ValidationFailed(FieldError(field, f"unknown item {code!r}"))
        uow.inventory.lock_items([found.id])
        return found

    def book_in(
        self, actor: Identity, item_code: str, quantity: int, unit_cost_fen: int, reason: str
    ) -> StockLevel:
        """Stock that arrives outside a purchase order (opening balance, transfer in)."""
        require_role(actor, STOREKEEPERS, "booking stock in")
        errors: list[FieldError] = []
        add_problems(errors, movement_problems(quantity, unit_cost_fen))
        reason = require_text(reason, "reason", errors, 500)
        raise_if(errors)
        with self.uow() as uow:
            item = self._item_for_update(uow, item_code, "item_code")
            now = self.now()
            self._book_in(
                uow, item, quantity, unit_cost_fen, "book_in", actor.username, reason, now
            )
            uow.audit(
                actor.username,
                "book_in",
                "item",
                item.id,
                None,
                {"quantity": quantity, "unit_cost_fen": unit_cost_fen, "reason": reason},
            )
            level = self.stock_level(uow, item, now)
            uow.commit()
        return level

    def issue(
        self, actor: Identity, item_code: str, quantity: int, recipient: str, reason: str
    ) -> Issue:
        """An issue over the counter, without a requisition (F-03, F-05)."""
        require_role(actor, STOREKEEPERS, "issuing stock")
        errors: list[FieldError] = []
        add_problems(errors, movement_problems(quantity))
        recipient = require_text(recipient, "recipient", errors, 100)
        reason = require_text(reason, "reason", errors, 500)
        raise_if(errors)
        if self.directory.person(recipient) is None:
            raise ValidationFailed(FieldError("recipient", f"unknown person {recipient!r}"))
        with self.uow() as uow:
            item = self._item_for_update(uow, item_code, "item_code")
            now = self.now()
            issue_id = str(uuid.uuid4())
            try:
                line = self._draw(
                    uow, item, quantity, f"issue:{issue_id}", actor.username, reason, now
                )
            except InsufficientStock as exc:
                raise ValidationFailed(FieldError("quantity", str(exc))) from exc
            issue = Issue(issue_id, recipient, actor.username, [line], now, None, reason)
            uow.issues.add(issue, total_cost_fen=issue.total_cost_fen)
            uow.audit(actor.username, "issue", "issue", issue.id, None, snapshot(issue))
            total = issue.total_cost_fen
            uow.after_commit(lambda: metrics.ISSUE_COST.inc(total))
            uow.commit()
        return issue

    def list_replenishments(
        self, actor: Identity, state: str, page: Page | None = None
    ) -> Listing[Replenishment]:
        require_role(actor, OVERSEERS, "reading replenishment requests")
        with self.reading() as stores:
            return Listing.of(stores.replenishments.page_in_state(state, page))
