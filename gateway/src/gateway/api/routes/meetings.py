"""Rooms and meetings routed to the meetings service (SPEC M-01..M-07)."""

from __future__ import annotations

from gateway.api.registry import Api
from gateway.bootstrap import Gateway


def register_meetings_routes(api: Api, gateway: Gateway) -> None:
    """Routes are added here as the service grows."""
