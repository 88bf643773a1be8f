"""Supplies (SPEC F-01..F-05), one use-case object put together from its
capabilities, each in its own module: the catalogue (:mod:`.catalogue`), stock
(:mod:`.stock`), purchasing (:mod:`.purchasing`), requisitions
(:mod:`.requisitions`), budgets (:mod:`.budgets`), the monthly list
(:mod:`.demand_lists`) and the issue ledger (:mod:`.ledger`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from facilities.service_layer.approval_start import ApprovalStarter, Settlement
from facilities.service_layer.catalogue import PutItem, derive_code_key, yuan
from facilities.service_layer.common import Context
from facilities.service_layer.ledger import Ledger
from facilities.service_layer.purchasing import DELIVERY_DUE_TIMER
from facilities.service_layer.requisitions import SIGNATURE_DUE_TIMER
from facilities.service_layer.stock import StockCount

__all__ = [
    "DELIVERY_DUE_TIMER",
    "SIGNATURE_DUE_TIMER",
    "PutItem",
    "StockCount",
    "Supplies",
    "derive_code_key",
    "yuan",
]


class Supplies(Ledger):
    """Every supplies use case; starts the approvals of the month's lists (and
    settles those of requisitions from before the three sign-offs)."""

    def __init__(
        self,
        ctx: Context,
        code_key: bytes,
        code_ttl: timedelta,
        qr: Callable[[str], bytes],
        window_days: int = 90,
        demand_list_template: str = "purchase",
    ) -> None:
        super().__init__(ctx, code_key, code_ttl, qr, window_days, demand_list_template)
        self.approval_starter = ApprovalStarter(
            ctx.approvals,
            ctx.uow_factory,
            ctx.clock,
            {
                "requisition": Settlement(self._requisition_started, self._requisition_refused),
                "demand-list": Settlement(self._demand_list_started, self._demand_list_refused),
            },
        )
