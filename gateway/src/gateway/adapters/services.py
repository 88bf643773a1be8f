"""Whether each service the gateway routes to answers its gRPC health check
(``/readyz``). The channels are the process's pool
(:class:`secretariat_shared.channels.ChannelPool`); the calls go through the
transcoder (:mod:`gateway.api.transcoder`)."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from secretariat_shared.channels import ChannelPool


def check_health(channels: ChannelPool, address: str, timeout: float = 2.0) -> str | None:
    """None when the service at ``address`` reports SERVING, else why not."""
    stub = health_pb2_grpc.HealthStub(channels.channel(address))
    try:
        answer = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
    except grpc.RpcError as exc:
        code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
        return f"health check failed: {code.name}"
    if answer.status != health_pb2.HealthCheckResponse.SERVING:
        return f"reports {health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)}"
    return None
