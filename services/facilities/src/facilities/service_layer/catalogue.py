"""The supplies catalogue (SPEC F-02: contracted suppliers, agreed prices) and
the base every supplies use case builds on."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from facilities.domain.supplies import (
    DemandList,
    Item,
    PurchaseOrder,
    Requisition,
    item_problems,
)
from facilities.service_layer.approval_start import ApprovalStarter
from facilities.service_layer.common import (
    STOREKEEPERS,
    Context,
    Listing,
    UseCases,
    add_problems,
    raise_if,
    require_role,
    require_text,
    to_proto,
)
from secretariat.facilities.v1 import events_pb2, facilities_pb2
from secretariat_shared.errors import (
    FieldError,
    NotFound,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page
from secretariat_shared.uow import UnitOfWork


@dataclass(frozen=True)
class PutItem:
    code: str
    name: str
    unit: str
    supplier: str
    agreed_price_fen: int
    min_stock_override: int | None = None
    active: bool = True


def yuan(fen: int) -> float:
    return round(fen / 100, 2)


def derive_code_key(configured: str, internal_secret: str) -> bytes:
    """The collection-code key: the configured one, else one derived from the internal secret."""
    if configured:
        return configured.encode()
    return hmac.new(
        internal_secret.encode(), b"facilities collection codes", hashlib.sha256
    ).digest()


def snapshot(obj: Any) -> dict[str, Any]:
    """What the audit trail keeps of an aggregate (X-04): all of it, before and after."""
    return dataclasses.asdict(obj)


class Catalogue(UseCases):
    """The catalogue (F-02 agreed prices) and what every supplies use case shares:
    the settings and the aggregates' events."""

    approval_starter: ApprovalStarter
    """Built by :class:`~facilities.service_layer.supplies.Supplies`, which knows
    every kind of record whose approval it starts."""

    def __init__(
        self,
        ctx: Context,
        code_key: bytes,
        code_ttl: timedelta,
        qr: Callable[[str], bytes],
        window_days: int = 90,
        demand_list_template: str = "purchase",
    ) -> None:
        super().__init__(ctx)
        self._code_key = code_key
        self._code_ttl = code_ttl
        self._qr = qr
        self._window_days = window_days
        self._list_template = demand_list_template

    # -- catalogue ----------------------------------------------------------

    def put_item(self, actor: Identity, cmd: PutItem) -> Item:
        require_role(actor, STOREKEEPERS, "keeping the catalogue")
        errors: list[FieldError] = []
        code = cmd.code.strip().upper()
        name = require_text(cmd.name, "name", errors)
        unit = require_text(cmd.unit, "unit", errors, 20)
        supplier = require_text(cmd.supplier, "supplier", errors)
        add_problems(errors, item_problems(code, cmd.agreed_price_fen, cmd.min_stock_override))
        raise_if(errors)
        with self.uow() as uow:
            existing = uow.items.by_code(code, for_update=True)
            found = [existing] if existing else []
            now = self.now()
            item = Item(
                id=found[0].id if found else str(uuid.uuid4()),
                code=code,
                name=name,
                unit=unit,
                supplier=supplier,
                agreed_price_fen=cmd.agreed_price_fen,
                min_stock_override=cmd.min_stock_override,
                active=cmd.active,
            )
            if found:
                uow.items.save(item, updated_at=now)
            else:
                uow.items.add(item, updated_at=now)
            uow.emit(
                "facilities.item.saved",
                item.id,
                events_pb2.ItemSaved(
                    item=to_proto(facilities_pb2.Item(), item), actor=actor.username
                ),
            )
            uow.audit(
                actor.username,
                "update_item" if found else "create_item",
                "item",
                item.id,
                snapshot(found[0]) if found else None,
                snapshot(item),
            )
            uow.commit()
        return item

    def get_item(self, code: str) -> Item:
        with self.reading() as stores:
            found = stores.items.by_code(code.strip().upper())
        if found is None:
            raise NotFound(f"item {code} not found")
        return found

    def list_items(self, page: Page | None = None) -> Listing[Item]:
        with self.reading() as stores:
            return Listing.of(stores.items.page_by_code(page))

    def _requisition_event(
        self, uow: UnitOfWork, event: str, requisition: Requisition, actor: str
    ) -> None:
        uow.emit(
            f"facilities.requisition.{event}",
            requisition.id,
            events_pb2.RequisitionChanged(
                requisition=to_proto(facilities_pb2.Requisition(), requisition), actor=actor
            ),
        )

    def _list_event(self, uow: UnitOfWork, event: str, demand: DemandList, actor: str) -> None:
        uow.emit(
            f"facilities.demand_list.{event}",
            demand.id,
            events_pb2.DemandListChanged(
                demand_list=to_proto(facilities_pb2.DemandList(), demand), actor=actor
            ),
        )

    def _order_event(
        self, uow: UnitOfWork, event: str, order: PurchaseOrder, actor: str, outcome: str = ""
    ) -> None:
        uow.emit(
            f"facilities.purchase_order.{event}",
            order.id,
            events_pb2.PurchaseOrderChanged(
                purchase_order=to_proto(facilities_pb2.PurchaseOrder(), order),
                actor=actor,
                outcome=outcome,
            ),
        )
