"""Approvals routed to the documents service's approval engine (SPEC D-06..D-10)."""

from __future__ import annotations

from gateway.api.registry import Api
from gateway.bootstrap import Gateway


def register_approval_routes(api: Api, gateway: Gateway) -> None:
    """Routes are added here as the service grows."""
