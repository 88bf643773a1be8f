"""Supplies, purchasing, repairs, inspections, travel and incidents routed to the facilities service (SPEC F-01..F-10)."""

from __future__ import annotations

from gateway.api.registry import Api
from gateway.bootstrap import Gateway


def register_facilities_routes(api: Api, gateway: Gateway) -> None:
    """Routes are added here as the service grows."""
