"""The ceiling for services: a bare gRPC unary echo, and a client that measures it."""

from __future__ import annotations

import threading
import time
from concurrent import futures

import grpc

METHOD = "/bench.Echo/Echo"


def _identity(data: bytes) -> bytes:
    return data


def serve(port: int = 0, workers: int = 16) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo",
        {
            "Echo": grpc.unary_unary_rpc_method_handler(
                lambda request, context: request,
                request_deserializer=_identity,
                response_serializer=_identity,
            )
        },
    )
    server.add_generic_rpc_handlers((handler,))
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, bound


def saturate(call: object, seconds: float, concurrency: int = 32) -> float:
    """Requests per second from ``concurrency`` threads calling ``call()`` back to back."""
    stop = time.monotonic() + seconds
    counts = [0] * concurrency

    def worker(i: int) -> None:
        while time.monotonic() < stop:
            call()  # type: ignore[operator]
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)


def echo_ceiling(seconds: float = 8.0) -> float:
    server, port = serve()
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        echo = channel.unary_unary(METHOD)
        payload = b"x" * 64
        for _ in range(200):
            echo(payload)
        return saturate(lambda: echo(payload), seconds)
    finally:
        server.stop(1)
