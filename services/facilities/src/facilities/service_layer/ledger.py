"""The issue ledger (SPEC F-05): scan-to-collect with a signed code, stock-takes
with their adjustments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from facilities.domain import collection
from facilities.domain.inventory import (
    InsufficientStock,
    Issue,
    IssueLine,
    StockTake,
    StockTakeLine,
    count_problems,
)
from facilities.domain.supplies import (
    DemandListState,
    Item,
    Requisition,
    RequisitionState,
)
from facilities.service_layer import metrics
from facilities.service_layer.catalogue import snapshot
from facilities.service_layer.common import (
    OVERSEERS,
    STOREKEEPERS,
    Listing,
    add_problems,
    raise_if,
    require_role,
)
from facilities.service_layer.demand_lists import MonthlyLists
from facilities.service_layer.stock import StockCount
from facilities.service_layer.unit_of_work import FacilitiesUnitOfWork, Stores
from secretariat_shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from secretariat_shared.identity import Identity
from secretariat_shared.paging import Page


class Ledger(MonthlyLists):
    """The issue ledger: collection by a signed code, and stock-takes (F-05)."""

    def list_issues(
        self, actor: Identity, item_code: str, requisition_id: str, page: Page | None = None
    ) -> Listing[Issue]:
        """The ledger, newest first. The item filter looks inside the issues' lines
        (a JSON column), so with it the matches are counted and paged here."""
        require_role(actor, OVERSEERS, "reading the issue ledger")
        with self.reading() as stores:
            if not item_code:
                return Listing.of(stores.issues.page_for(requisition_id, page))
            found = stores.issues.newest_first(requisition_id)
        code = item_code.strip().upper()
        found = [i for i in found if any(line.item_code == code for line in i.lines)]
        if page is None:
            return Listing(found, len(found))
        return Listing(found[page.offset : page.offset + page.limit], len(found))

    # -- collection (F-05) -------------------------------------------------------

    def collection_code(
        self, actor: Identity, requisition_id: str, with_png: bool
    ) -> tuple[str, datetime, bytes]:
        """SPEC F-05: a signed code for an approved requisition, good until it expires."""
        requisition = self.get_requisition(actor, requisition_id)
        if requisition.requester != actor.username and not actor.has_role(*STOREKEEPERS):
            raise PermissionDenied("only the requester collects the goods")
        if requisition.state == RequisitionState.COLLECTED:
            raise Conflict("the goods of this requisition have been collected")
        if requisition.state != RequisitionState.APPROVED:
            raise PreconditionFailed(
                f"the requisition is {requisition.state}; a code is issued once it is approved"
            )
        with self.reading() as stores:
            self._require_list_approved(stores, requisition)
        expires = self.now() + self._code_ttl
        code = collection.sign(self._code_key, requisition.id, expires)
        return code, expires, self._qr(code) if with_png else b""

    @staticmethod
    def _require_list_approved(stores: Stores, requisition: Requisition) -> None:
        """SPEC F-01: a head-signed requisition is approved in full with its month's
        list (finance, office director); until then nothing is handed out."""
        if not requisition.signed_alone:
            return
        demand = (
            stores.demand_lists.get(requisition.demand_list_id)
            if requisition.demand_list_id
            else None
        )
        if demand is None or demand.state != DemandListState.ORDERED:
            raise PreconditionFailed(
                "the requisition is signed by the department head and waits for the month's "
                "demand list to be reviewed by finance and approved by the office director"
            )

    def scan(self, actor: Identity, code: str) -> Issue:
        """SPEC F-05: the scanned code issues the requisition's goods, once; stock and
        ledger change in one transaction with the requisition."""
        require_role(actor, STOREKEEPERS, "issuing goods at the counter")
        now = self.now()
        try:
            requisition_id = collection.verify(self._code_key, code, now)
        except collection.CodeRejected as exc:
            raise ValidationFailed(FieldError("code", str(exc))) from exc
        with self.uow() as uow:
            requisition = uow.requisitions.get(requisition_id, for_update=True)
            if requisition is None:
                raise NotFound(f"requisition {requisition_id} not found")
            if requisition.state == RequisitionState.COLLECTED:
                raise Conflict(
                    f"already collected at {self.local(requisition.collected_at)}; "
                    "a code is good for one collection"
                )
            if requisition.state != RequisitionState.APPROVED:
                raise PreconditionFailed(f"the requisition is {requisition.state}, not approved")
            self._require_list_approved(uow, requisition)
            catalogue = uow.items.by_codes([line.item_code for line in requisition.lines])
            uow.inventory.lock_items([i.id for i in catalogue.values()])
            issue_id = str(uuid.uuid4())
            lines: list[IssueLine] = []
            try:
                for wanted in requisition.lines:
                    lines.append(
                        self._draw(
                            uow,
                            catalogue[wanted.item_code],
                            wanted.quantity,
                            f"issue:{issue_id}",
                            actor.username,
                            f"requisition {requisition.id}",
                            now,
                        )
                    )
            except InsufficientStock as exc:
                raise PreconditionFailed(
                    f"not enough stock to fill the requisition: {exc}"
                ) from exc
            issue = Issue(
                issue_id, requisition.requester, actor.username, lines, now, requisition.id, ""
            )
            uow.issues.add(issue, total_cost_fen=issue.total_cost_fen)
            before = snapshot(requisition)
            requisition.state = RequisitionState.COLLECTED
            requisition.collected_at = now
            requisition.issue_id = issue.id
            uow.requisitions.save(requisition)
            self._requisition_event(uow, "collected", requisition, actor.username)
            uow.audit(
                actor.username,
                "collect",
                "requisition",
                requisition.id,
                before,
                snapshot(requisition),
            )
            self.notify(
                uow,
                [requisition.requester],
                "supplies_collected",
                "申领物品已领取",
                "、".join(f"{line.item_code}×{line.quantity}" for line in lines) + " 已发放。",
                f"facilities/requisitions/{requisition.id}",
            )
            total = issue.total_cost_fen
            uow.after_commit(lambda: metrics.ISSUE_COST.inc(total))
            uow.after_commit(lambda: metrics.REQUISITIONS.labels("collected").inc())
            uow.commit()
        return issue

    # -- stock-takes (F-05) ------------------------------------------------------

    def stock_take(self, actor: Identity, counts: Sequence[StockCount], note: str) -> StockTake:
        """SPEC F-05: counted against booked; every difference is posted as an adjustment
        with its reason (write-offs FIFO at batch cost, surpluses at the last known cost)."""
        require_role(actor, STOREKEEPERS, "taking stock")
        errors: list[FieldError] = []
        add_problems(errors, count_problems([(c.item_code, c.counted) for c in counts]))
        raise_if(errors)
        seen = {count.item_code.strip().upper() for count in counts}
        with self.uow() as uow:
            catalogue = uow.items.by_codes(sorted(seen))
            for index, count in enumerate(counts):
                if count.item_code.strip().upper() not in catalogue:
                    errors.append(
                        FieldError(
                            f"counts[{index}].item_code", f"unknown item {count.item_code!r}"
                        )
                    )
            raise_if(errors)
            uow.inventory.lock_items([i.id for i in catalogue.values()])
            take = StockTake(str(uuid.uuid4()), actor.username, self.now(), [], note.strip())
            for index, count in enumerate(counts):
                item = catalogue[count.item_code.strip().upper()]
                booked = uow.inventory.on_hand(item.id)
                line = StockTakeLine(item.code, booked, count.counted, count.reason.strip())
                if line.difference and not line.reason:
                    errors.append(
                        FieldError(
                            f"counts[{index}].reason",
                            f"{item.code}: counted {count.counted}, booked {booked}; say why",
                        )
                    )
                take.lines.append(line)
            raise_if(errors)
            ref = f"stock_take:{take.id}"
            for line in take.lines:
                item = catalogue[line.item_code]
                if line.difference < 0:
                    drawn = self._draw(
                        uow,
                        item,
                        -line.difference,
                        ref,
                        actor.username,
                        line.reason,
                        take.taken_at,
                        kind="adjustment_out",
                    )
                    line.cost_fen = -drawn.cost_fen
                elif line.difference > 0:
                    unit_cost = self._last_cost(uow, item)
                    self._book_in(
                        uow,
                        item,
                        line.difference,
                        unit_cost,
                        ref,
                        actor.username,
                        line.reason,
                        take.taken_at,
                        kind="adjustment_in",
                    )
                    line.cost_fen = line.difference * unit_cost
            uow.stock_takes.add(take)
            uow.audit(actor.username, "stock_take", "stock_take", take.id, None, snapshot(take))
            uow.commit()
        return take

    def _last_cost(self, uow: FacilitiesUnitOfWork, item: Item) -> int:
        batches = uow.inventory.batches(item.id, with_stock_only=False)
        return batches[-1].unit_cost_fen if batches else item.agreed_price_fen

    def list_stock_takes(self, actor: Identity, page: Page | None = None) -> Listing[StockTake]:
        require_role(actor, OVERSEERS, "reading stock-takes")
        with self.reading() as stores:
            return Listing.of(stores.stock_takes.page_newest(page))
