"""The gateway's channels to the services and their health checks.

One channel per address per process: channels are created on first use,
so each gunicorn worker builds its own after the fork, and re-created if
the process id changes. The calls themselves go through the transcoder
(:mod:`gateway.api.transcoder`).
"""

from __future__ import annotations

import os
import threading

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from secretariat_shared.channels import open_channel


class ServiceChannels:
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
                channel = open_channel(address)
                self._channels[address] = channel
            return channel

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels = {}


class ServiceHealth:
    """Each configured service's gRPC health, for ``/readyz``."""

    def __init__(self, channels: ServiceChannels) -> None:
        self._channels = channels

    def check_health(self, address: str, timeout: float = 2.0) -> str | None:
        """None when the service at ``address`` reports SERVING, else why not."""
        stub = health_pb2_grpc.HealthStub(self._channels.channel(address))
        try:
            answer = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
            return f"health check failed: {code.name}"
        if answer.status != health_pb2.HealthCheckResponse.SERVING:
            return f"reports {health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)}"
        return None
