"""Purchase orders to contracted suppliers at agreed prices, delivered on the
25th; receipts book stock in (SPEC F-02)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from facilities.domain.limits import too_many
from facilities.domain.supplies import (
    DemandList,
    PurchaseOrder,
    PurchaseOrderState,
    RequisitionState,
    orders_by_supplier,
    receive,
    scheduled_delivery,
)
from facilities.service_layer import metrics
from facilities.service_layer.catalogue import snapshot
from facilities.service_layer.common import (
    OVERSEERS,
    STOREKEEPERS,
    Listing,
    require_role,
)
from facilities.service_layer.stock import Stock
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork
from secretariat_shared.errors import (
    FieldError,
    NotFound,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.roles import Role
from secretariat_shared.timers import TimerFiring
from secretariat_shared.uow import UnitOfWork

DELIVERY_DUE_TIMER = "purchase_order_delivery_due"


class Purchasing(Stock):
    """Purchase orders cut from an approved list and their receipts (F-02)."""

    def _place_orders(
        self, uow: FacilitiesUnitOfWork, demand: DemandList, now: datetime
    ) -> list[PurchaseOrder]:
        """SPEC F-02: one order per contracted supplier at the agreed prices, delivered on the 25th."""
        delivery = scheduled_delivery(demand.month, self.today(), self.calendar.is_working_day)
        prefix = f"PO-{demand.month.replace('-', '')}-"
        taken = uow.purchase_orders.count_numbered(prefix)
        orders: list[PurchaseOrder] = []
        for position, (supplier, lines) in enumerate(orders_by_supplier(demand.lines).items()):
            order = PurchaseOrder(
                id=str(uuid.uuid4()),
                number=f"{prefix}{taken + position + 1:03d}",
                demand_list_id=demand.id,
                supplier=supplier,
                lines=lines,
                delivery_date=delivery,
                state=PurchaseOrderState.PLACED,
                placed_at=now,
            )
            uow.purchase_orders.add(order)
            self.timers.schedule(
                uow.session,
                DELIVERY_DUE_TIMER,
                f"purchase-order:{order.id}:delivery",
                self.end_of_day(delivery),
                {"purchase_order_id": order.id},
            )
            self._order_event(uow, "placed", order, "system")
            uow.audit("system", "place", "purchase_order", order.id, None, snapshot(order))
            orders.append(order)
        return orders

    # -- purchase orders and receipts (F-02) ---------------------------------------

    def get_purchase_order(self, actor: Identity, order_id: str) -> PurchaseOrder:
        require_role(actor, OVERSEERS, "reading purchase orders")
        with self.reading() as stores:
            order = stores.purchase_orders.get(order_id)
        if order is None:
            raise NotFound(f"purchase order {order_id} not found")
        return order

    def list_purchase_orders(
        self, actor: Identity, demand_list_id: str, state: str, page: Page | None = None
    ) -> Listing[PurchaseOrder]:
        require_role(actor, OVERSEERS, "reading purchase orders")
        with self.reading() as stores:
            return Listing.of(stores.purchase_orders.page_for(demand_list_id, state, page))

    def receive_delivery(
        self, actor: Identity, order_id: str, lines: Sequence[tuple[str, int]]
    ) -> PurchaseOrder:
        """SPEC F-02: the delivery books batches in at the order's agreed prices (F-03)."""
        require_role(actor, STOREKEEPERS, "receiving deliveries")
        received: dict[str, int] = {}
        for index, (code, quantity) in enumerate(lines):
            key = code.strip().upper()
            problem = too_many(quantity)
            if problem:
                raise ValidationFailed(FieldError(f"lines[{index}].quantity", problem))
            if key in received:
                raise ValidationFailed(
                    FieldError(f"lines[{index}].item_code", f"{key} is listed twice")
                )
            received[key] = quantity
        with self.uow() as uow:
            order = uow.purchase_orders.get(order_id, for_update=True)
            if order is None:
                raise NotFound(f"purchase order {order_id} not found")
            before = snapshot(order)
            now = self.now()
            try:
                booked = receive(order, received, now)
            except ValueError as exc:
                raise ValidationFailed(FieldError("lines", str(exc))) from exc
            catalogue = uow.items.by_codes(sorted(booked))
            uow.inventory.lock_items([catalogue[code].id for code in booked])
            for code, quantity in booked.items():
                line = order.line(code)
                assert line is not None
                self._book_in(
                    uow,
                    catalogue[code],
                    quantity,
                    line.unit_price_fen,
                    f"purchase_order:{order.id}",
                    actor.username,
                    f"delivery of {order.number}",
                    now,
                )
            uow.purchase_orders.save(order)
            outcome = ""
            if order.state == PurchaseOrderState.RECEIVED:
                if self.timers.cancel(uow.session, f"purchase-order:{order.id}:delivery", now):
                    outcome = "met"
                self._tell_requesters_goods_arrived(uow, order)
            self._order_event(uow, order.state, order, actor.username, outcome)
            uow.audit(
                actor.username, "receive", "purchase_order", order.id, before, snapshot(order)
            )
            if outcome:
                uow.after_commit(lambda: metrics.DELIVERIES.labels(outcome).inc())
            uow.commit()
        return order

    def _tell_requesters_goods_arrived(
        self, uow: FacilitiesUnitOfWork, order: PurchaseOrder
    ) -> None:
        waiting = uow.requisitions.on_list(order.demand_list_id, RequisitionState.APPROVED)
        codes = {line.item_code for line in order.lines}
        for requisition in waiting:
            if codes & {line.item_code for line in requisition.lines}:
                self.notify(
                    uow,
                    [requisition.requester],
                    "supplies_ready_for_collection",
                    "申领物品已到货",
                    f"{order.supplier} 的货物已入库，请出示领取码扫码领取。",
                    f"facilities/requisitions/{requisition.id}",
                )

    def on_delivery_due(self, uow: UnitOfWork, firing: TimerFiring) -> None:
        """SPEC X-05: the delivery day ended with goods still outstanding."""
        assert isinstance(uow, FacilitiesUnitOfWork)
        order = uow.purchase_orders.get(str(firing.payload["purchase_order_id"]), for_update=True)
        if order is None or order.state == PurchaseOrderState.RECEIVED:
            return
        self._order_event(uow, "delivery_overdue", order, "system", "breached")
        uow.audit("system", "delivery_overdue", "purchase_order", order.id, None, snapshot(order))
        self.notify(
            uow,
            self.holders(Role.SECRETARIAT),
            "purchase_order_overdue",
            f"采购订单 {order.number} 未按期到货",
            f"{order.supplier} 应于 {order.delivery_date.isoformat()} 交货，至今未全部到货，请跟进。",
            f"facilities/purchase-orders/{order.id}",
        )
        uow.after_commit(lambda: metrics.DELIVERIES.labels("breached").inc())
