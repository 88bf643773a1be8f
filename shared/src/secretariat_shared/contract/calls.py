"""Calling a route's RPC on its service: one callable per address and method,
the service found through the route catalog, and a service the catalog last
saw down given :data:`READY_WAIT` seconds to come back."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from secretariat_shared.contract.catalog import RouteCatalog
from secretariat_shared.contract.routes import Route

READY_WAIT = 2.5
"""Seconds a call waits for a service last seen down before giving up."""


class ServiceDown(Exception):
    """The route's service was down and did not come back within :data:`READY_WAIT`."""


class RouteCaller:
    def __init__(self, catalog: RouteCatalog, channel: Callable[[str], grpc.Channel]) -> None:
        self._catalog = catalog
        self._channel = channel
        self._callables: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def call(
        self, route: Route, message: Any, metadata: Sequence[tuple[str, str]], timeout: float
    ) -> tuple[Any, Sequence[tuple[str, Any]]]:
        """The answer and its initial metadata; a failed call raises its ``grpc.RpcError``."""
        service = self._catalog.current().services[route.service]
        if not service.live and not self._ready_soon(service.address):
            self._catalog.mark_down(route.service)
            raise ServiceDown(route.service)
        try:
            # A service the catalog saw up is waited for while its channel reconnects
            # (a restart or a rescheduled pod) instead of failing at once.
            answer, outcome = self._callable(service.address, route).with_call(
                message, timeout=timeout, metadata=tuple(metadata), wait_for_ready=True
            )
        except grpc.RpcError as exc:
            if hasattr(exc, "code") and exc.code() == grpc.StatusCode.UNAVAILABLE:
                self._catalog.mark_down(route.service)
            raise
        return answer, outcome.initial_metadata() or ()

    def _callable(self, address: str, route: Route) -> Any:
        key = (address, route.rpc_path)
        found = self._callables.get(key)
        if found is None:
            with self._lock:
                found = self._channel(address).unary_unary(
                    route.rpc_path,
                    request_serializer=lambda m: m.SerializeToString(),
                    response_deserializer=route.output_class.FromString,
                )
                self._callables[key] = found
        return found

    def _ready_soon(self, address: str) -> bool:
        future = grpc.channel_ready_future(self._channel(address))
        try:
            future.result(timeout=READY_WAIT)
        except grpc.FutureTimeoutError:
            future.cancel()
            return False
        return True
