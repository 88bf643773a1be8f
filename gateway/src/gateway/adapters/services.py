"""Calls to the services over gRPC, carrying the caller's identity (rule 7).

One channel per address per process: channels are created on first use,
so each gunicorn worker builds its own after the fork, and re-created if
the process id changes. Every call has a deadline; every failure becomes
a :class:`~gateway.problems.Problem` (rule 11).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.problems import (
    SERVICE_UNAVAILABLE,
    Problem,
    ProblemError,
    problem_for_grpc_status,
)
from secretariat_shared.channels import open_channel
from secretariat_shared.contract.status import field_errors_of
from secretariat_shared.identity import METADATA_KEY, SERVICE_AUDIENCE, Identity, IdentitySigner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteService:
    """A service the gateway routes to; an empty address means not configured."""

    name: str
    address: str


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
                channel = self._open(address)
                self._channels[address] = channel
            return channel

    @staticmethod
    def _open(address: str) -> grpc.Channel:
        return open_channel(address)

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels = {}


class ServiceCaller:
    def __init__(
        self,
        channels: ServiceChannels,
        signer: IdentitySigner,
        token_ttl: int,
        deadline: float,
    ) -> None:
        self._channels = channels
        self._signer = signer
        self._token_ttl = token_ttl
        self._deadline = deadline

    def call(
        self,
        service: RemoteService,
        stub_class: Callable[[grpc.Channel], Any],
        method: str,
        request: Any,
        caller: Identity,
    ) -> Any:
        """Call ``method`` as ``caller``; raise :class:`ProblemError` on any failure."""
        if not service.address:
            raise ProblemError(
                Problem(
                    status=503,
                    type=SERVICE_UNAVAILABLE,
                    detail=f"The {service.name} service is not configured.",
                )
            )
        token = self._signer.sign_reusable(caller, SERVICE_AUDIENCE, self._token_ttl)
        stub = stub_class(self._channels.channel(service.address))
        try:
            return getattr(stub, method)(
                request, timeout=self._deadline, metadata=((METADATA_KEY, token),)
            )
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
            details = (exc.details() if hasattr(exc, "details") else "") or ""
            if code not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND):
                log.warning("%s.%s failed: %s %s", service.name, method, code.name, details)
            errors = field_errors_of(exc) if code == grpc.StatusCode.INVALID_ARGUMENT else []
            raise ProblemError(
                problem_for_grpc_status(code.name, details, service.name, errors)
            ) from exc

    def check_health(self, service: RemoteService, timeout: float = 2.0) -> str | None:
        """None when the service reports SERVING, else why not."""
        if not service.address:
            return "not configured"
        stub = health_pb2_grpc.HealthStub(self._channels.channel(service.address))
        try:
            answer = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        except grpc.RpcError as exc:
            code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
            return f"health check failed: {code.name}"
        if answer.status != health_pb2.HealthCheckResponse.SERVING:
            return f"reports {health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)}"
        return None
