"""The one way to open a gRPC channel to another process (issue 21).

On Kubernetes a Service's ClusterIP is one address; gRPC's default
``pick_first`` keeps one HTTP/2 connection to whichever pod it reached first,
so a second replica adds no capacity. Targets here are meant to be
``dns:///<headless-service>:<port>`` (every ready pod's address) or, on one
machine, ``ipv4:127.0.0.1:p1,127.0.0.1:p2``; the channel spreads calls over all
of them with ``round_robin``, notices a vanished peer through keepalive pings,
and resends a call that never reached a server. Servers cap connection age
(:data:`SERVER_OPTIONS`) so clients re-resolve and move to new replicas after a
scale-up.
"""

from __future__ import annotations

import json
import os
import threading

import grpc

from secretariat_shared.observability import tracing_enabled

# No retry policy: not every RPC is idempotent; gRPC's transparent retry already
# resends a call that never reached a server.
SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})

CLIENT_OPTIONS: list[tuple[str, object]] = [
    ("grpc.service_config", SERVICE_CONFIG),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.dns_min_time_between_resolutions_ms", 5_000),
    # A restarted or rescheduled peer is found within 2 s instead of gRPC's default
    # backoff of up to 120 s, during which calls would fail at once with UNAVAILABLE.
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2_000),
]

SERVER_OPTIONS: list[tuple[str, object]] = [
    ("grpc.max_connection_age_ms", 5 * 60_000),
    ("grpc.max_connection_age_grace_ms", 30_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
]


def target_of(address: str) -> str:
    """``host:port`` as given, or a target with a resolver scheme (``dns:///``, ``ipv4:``)."""
    return address.strip()


def open_channel(address: str) -> grpc.Channel:
    """A channel to ``address`` that balances over every resolved replica."""
    channel: grpc.Channel = grpc.insecure_channel(target_of(address), options=CLIENT_OPTIONS)
    if tracing_enabled():
        from opentelemetry.instrumentation.grpc import client_interceptor, grpcext

        channel = grpcext.intercept_channel(channel, client_interceptor())
    return channel


class ChannelPool:
    """One channel per address per process, opened on first use: each gunicorn
    worker builds its own after the fork (a channel must not cross one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._channels: dict[str, grpc.Channel] = {}

    def channel(self, address: str) -> grpc.Channel:
        with self._lock:
            if os.getpid() != self._pid:
                self._channels = {}
                self._pid = os.getpid()
            channel = self._channels.get(address)
            if channel is None:
                channel = self._channels[address] = open_channel(address)
            return channel

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels = {}
