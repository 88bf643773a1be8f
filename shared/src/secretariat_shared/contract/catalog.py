"""The HTTP routes of every configured service, loaded at start and refreshed.

A refresh runs in the background every ``refresh_seconds``: a service whose
descriptors changed (a new RPC, a new field) gets its new routes without a
gateway restart; a service that does not answer keeps its last known
routes (or those of this build's generated modules) and answers 503 on
them until it is back.

How stale the catalog may be (issue 21): it is per process and at
most ``refresh_seconds`` (SECRETARIAT_DESCRIPTOR_REFRESH_SECONDS, 10 s) old;
no event invalidates it, since descriptors change only with a deployment.
With several replicas behind one ``round_robin`` channel a refresh asks
whichever replica the call lands on, so during a rolling update a new route
appears once a refresh reaches a new pod, and a call on it that then lands
on an old pod fails as that pod does not know the method yet; the window
ends when the last old pod is gone.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import grpc

from secretariat_shared.contract.routes import Route, ServiceRoutes, load_fallback, load_live

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfiguredService:
    name: str
    address: str


@dataclass(eq=False)
class Snapshot:
    """One consistent view: each service's routes, and each endpoint's route
    (one per method and path)."""

    services: dict[str, ServiceRoutes]
    routes: dict[str, Route]
    derived: dict[str, Any] = field(default_factory=dict)
    """What readers build once per view (an HTTP front's URL map, the OpenAPI document)."""


def build_snapshot(services: dict[str, ServiceRoutes]) -> Snapshot:
    routes: dict[str, Route] = {}
    seen: set[tuple[str, str]] = set()
    for service in services.values():
        for route in service.routes:
            key = (route.http_method, route.template.rule)
            if key in seen:
                log.warning("%s %s declared twice; keeping the first", *key)
                continue
            seen.add(key)
            routes[route.endpoint] = route
    return Snapshot(services=services, routes=routes)


class RouteCatalog:
    def __init__(
        self,
        services: list[ConfiguredService],
        channel: Callable[[str], grpc.Channel],
        token: Callable[[], str],
        refresh_seconds: float,
        timeout: float = 3.0,
    ) -> None:
        self._services = [s for s in services if s.address]
        self._channel = channel
        self._token = token
        self._refresh_seconds = refresh_seconds
        self._timeout = timeout
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._loaded: dict[str, ServiceRoutes] = {}
        self._refreshed_at = 0.0
        self._refreshing = False
        self._pid = os.getpid()

    def current(self) -> Snapshot:
        """The routes now; loads them the first time, refreshes in the background when stale."""
        snapshot = self._snapshot
        if snapshot is None or os.getpid() != self._pid:
            with self._lock:
                if self._snapshot is None or os.getpid() != self._pid:
                    self._pid = os.getpid()
                    self.refresh()
            assert self._snapshot is not None
            return self._snapshot
        if time.monotonic() - self._refreshed_at >= self._refresh_seconds:
            self._refresh_in_background()
        return snapshot

    def _refresh_in_background(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
            self._refreshed_at = time.monotonic()

        def run() -> None:
            try:
                self.refresh()
            except Exception:
                log.exception("refreshing the service routes failed")
            finally:
                self._refreshing = False

        threading.Thread(target=run, name="route-refresh", daemon=True).start()

    def refresh(self) -> bool:
        """Reload every service's descriptors; True when the routes changed."""
        loaded: dict[str, ServiceRoutes] = {}
        for service in self._services:
            loaded[service.name] = self._load(service)
        self._refreshed_at = time.monotonic()
        changed = self._snapshot is None or any(
            _state(loaded[name]) != _state(self._loaded.get(name)) for name in loaded
        )
        if changed:
            self._loaded = loaded
            self._snapshot = build_snapshot(loaded)
            log.info(
                "service routes loaded",
                extra={
                    "routes": len(self._snapshot.routes),
                    "down": [n for n, s in loaded.items() if not s.live],
                },
            )
        return changed

    def _load(self, service: ConfiguredService) -> ServiceRoutes:
        try:
            return load_live(
                service.name,
                service.address,
                self._channel(service.address),
                self._token(),
                self._timeout,
                self._loaded.get(service.name),
            )
        except Exception as exc:
            reason = exc.code().name if isinstance(exc, grpc.RpcError) else str(exc)
            previous = self._loaded.get(service.name)
            if previous is not None and previous.routes:
                log.warning(
                    "%s did not answer reflection (%s); its routes answer 503", service.name, reason
                )
                return replace(previous, live=False, error=reason)
            log.warning("%s did not answer reflection (%s)", service.name, reason)
            return load_fallback(service.name, service.address, reason)

    def mark_down(self, name: str) -> None:
        """A call found the service unreachable: the next request triggers a refresh."""
        self._refreshed_at = 0.0


def _state(routes: ServiceRoutes | None) -> tuple[str, bool]:
    return (routes.fingerprint, routes.live) if routes is not None else ("", False)
