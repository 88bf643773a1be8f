"""gRPC server bootstrap shared by every service (rules 7, 9, 10, 11).

- Health checking protocol: NOT_SERVING while starting and draining.
- Reflection.
- Interceptors: tracing (OpenTelemetry), identity verification (a
  gateway-signed person or an internal service token in
  ``x-secretariat-identity``, or a service account's client token in
  ``authorization: Bearer …`` for the methods it names, else
  UNAUTHENTICATED), metrics, and mapping of :mod:`secretariat_shared.errors`
  to status codes.
- Background workers (outbox relay, event consumer, timer scheduler) run
  beside the server and stop with it; SIGTERM drains in-flight calls.
"""

from __future__ import annotations

import contextvars
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, Protocol

import grpc
from google.rpc import code_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from prometheus_client import Counter, Histogram

from secretariat_shared import errors
from secretariat_shared.channels import SERVER_OPTIONS
from secretariat_shared.contract.check import violations
from secretariat_shared.contract.reflection import enable_reflection
from secretariat_shared.contract.status import LANGUAGE_METADATA, bad_request
from secretariat_shared.db import is_unavailable
from secretariat_shared.errors import FieldError
from secretariat_shared.grpc_clients import (
    AUTHORIZATION_METADATA,
    check_granted,
    grants_on,
    verify_client,
)
from secretariat_shared.i18n import negotiate, translate
from secretariat_shared.identity import METADATA_KEY, Identity, IdentityVerifier, InvalidIdentity
from secretariat_shared.observability import tracing_enabled

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "The database cannot be reached at the moment. Please try again later."

UNAUTHENTICATED_METHODS = ("/grpc.health.v1.Health/",)
SERVICE_ONLY_METHODS = ("/grpc.reflection.",)

GRPC_HANDLED = Counter(
    "secretariat_grpc_server_handled_total",
    "gRPC calls completed, by method and status code",
    ["service", "method", "code"],
)
GRPC_LATENCY = Histogram(
    "secretariat_grpc_server_handling_seconds",
    "gRPC call latency",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

_current_identity: contextvars.ContextVar[Identity | None] = contextvars.ContextVar(
    "secretariat_identity", default=None
)


def current_identity() -> Identity:
    """The verified caller of the gRPC call being handled."""
    identity = _current_identity.get()
    if identity is None:
        raise RuntimeError("no verified identity in this context")
    return identity


class Worker(Protocol):
    name: str

    def run(self, stop: threading.Event) -> None: ...


_STATUS_FOR: list[tuple[type[errors.DomainError], grpc.StatusCode]] = [
    (errors.ValidationFailed, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (errors.Conflict, grpc.StatusCode.ALREADY_EXISTS),
    (errors.PreconditionFailed, grpc.StatusCode.FAILED_PRECONDITION),
]


def status_for(exc: errors.DomainError) -> grpc.StatusCode:
    for kind, code in _STATUS_FOR:
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.FAILED_PRECONDITION


def _metadata_value(context: grpc.ServicerContext, key: str) -> str | None:
    for item_key, value in context.invocation_metadata() or ():
        if item_key == key:
            return value.decode() if isinstance(value, bytes) else value
    return None


class ServiceInterceptor(grpc.ServerInterceptor):  # type: ignore[type-arg]
    """Identity, error mapping and metrics around every unary handler."""

    def __init__(
        self, service: str, verifier: IdentityVerifier, service_names: Iterable[str] = ()
    ) -> None:
        self._service = service
        self._verifier = verifier
        self._service_names = tuple(service_names)

    def _service_only(self, handler: Any) -> Any:
        if handler.stream_stream is None:
            return handler
        return _service_only_handler(self._verifier, handler, self._service_names)

    def _caller(self, context: grpc.ServicerContext) -> tuple[Identity, tuple[str, ...] | None]:
        """The verified caller and, for a service account's client token, the methods
        it names (None for people and services, who are not limited by method)."""
        forwarded = _metadata_value(context, METADATA_KEY)
        authorization = _metadata_value(context, AUTHORIZATION_METADATA)
        if forwarded is None and authorization is not None:
            return verify_client(self._verifier, authorization)
        return self._verifier.verify(forwarded), None

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        handler = continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(UNAUTHENTICATED_METHODS):
            return handler
        if method.startswith(SERVICE_ONLY_METHODS):
            return self._service_only(handler)
        if handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        short_method = method.rsplit("/", 1)[-1]

        def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                try:
                    identity, grants = self._caller(context)
                except InvalidIdentity as exc:
                    code = grpc.StatusCode.UNAUTHENTICATED
                    context.abort(code, str(exc))
                token = _current_identity.set(identity)
                try:
                    if grants is not None:
                        check_granted(grants, method)
                    found = violations(request)
                    if found:
                        language = negotiate(_metadata_value(context, LANGUAGE_METADATA))
                        raise errors.ValidationFailed(
                            [FieldError(v.field, v.message(language)) for v in found]
                        )
                    return inner(request, context)
                except errors.DomainError as exc:
                    code = status_for(exc)
                    language = negotiate(_metadata_value(context, LANGUAGE_METADATA))
                    if isinstance(exc, errors.ValidationFailed):
                        reasons = [
                            FieldError(e.field, translate(e.message, language)) for e in exc.errors
                        ]
                        summary = (
                            translate(exc.message, language)
                            if exc.message
                            else errors.summary_of(reasons)
                        )
                        context.abort_with_status(bad_request(summary, reasons))
                    field_errors = getattr(exc, "errors", None)
                    if isinstance(exc, errors.Conflict) and field_errors:
                        # A taken key names its field (e.g. 409 on `username`).
                        context.abort_with_status(
                            bad_request(
                                translate(str(exc), language),
                                [
                                    FieldError(e.field, translate(e.message, language))
                                    for e in field_errors
                                ],
                                code=code_pb2.ALREADY_EXISTS,
                            )
                        )
                    context.abort(code, translate(str(exc), language))
                except Exception as exc:
                    if not is_unavailable(exc):
                        raise
                    # The database is down or unreachable: the call may be retried (the
                    # gateway answers 503), not a fault of this service's code (500).
                    code = grpc.StatusCode.UNAVAILABLE
                    log.warning("%s: the database did not answer: %s", method, exc)
                    language = negotiate(_metadata_value(context, LANGUAGE_METADATA))
                    context.abort(code, translate(DATABASE_UNAVAILABLE, language))
                finally:
                    _current_identity.reset(token)
            except Exception:
                if code == grpc.StatusCode.OK:
                    code = context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
                    if code == grpc.StatusCode.OK:
                        code = grpc.StatusCode.INTERNAL
                        log.exception("unhandled error in %s", method)
                        context.abort(code, "internal error")
                raise
            finally:
                GRPC_HANDLED.labels(self._service, short_method, code.name).inc()
                GRPC_LATENCY.labels(self._service, short_method).observe(
                    time.perf_counter() - started
                )

        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _service_only_handler(
    verifier: IdentityVerifier, handler: Any, service_names: tuple[str, ...]
) -> Any:
    """Reflection answers callers with a service identity (the gateway, tools given
    service credentials) and service accounts granted a method of this server (so
    ``grpcurl`` can list what it may call): it lists every RPC and message of the
    service, which is the published contract, never data."""
    inner = handler.stream_stream

    def wrapped(requests: Any, context: grpc.ServicerContext) -> Any:
        forwarded = _metadata_value(context, METADATA_KEY)
        authorization = _metadata_value(context, AUTHORIZATION_METADATA)
        try:
            if forwarded is None and authorization is not None:
                _, grants = verify_client(verifier, authorization)
                if not grants_on(grants, service_names):
                    language = negotiate(_metadata_value(context, LANGUAGE_METADATA))
                    denied = errors.PermissionDenied(
                        "This service account may call no method of this server."
                    )
                    context.abort(
                        grpc.StatusCode.PERMISSION_DENIED, translate(str(denied), language)
                    )
            elif not verifier.verify(forwarded).is_service:
                context.abort(grpc.StatusCode.PERMISSION_DENIED, "reflection is for services only")
        except InvalidIdentity as exc:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        yield from inner(requests, context)

    return grpc.stream_stream_rpc_method_handler(
        wrapped,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


@dataclass
class GrpcService:
    """Everything :func:`serve` needs to run one service process."""

    name: str
    verifier: IdentityVerifier
    register: Callable[[grpc.Server], None]
    service_names: list[str]
    host: str = "127.0.0.1"
    port: int = 0
    max_workers: int = 16
    workers: list[Worker] = field(default_factory=list)
    grace_seconds: float = 10.0


class RunningService:
    """A started server and its background workers."""

    def __init__(self, spec: GrpcService) -> None:
        self.spec = spec
        self.stop_event = threading.Event()
        self.health = health.HealthServicer()
        interceptors: list[grpc.ServerInterceptor] = [  # type: ignore[type-arg]
            ServiceInterceptor(spec.name, spec.verifier, spec.service_names)
        ]
        if tracing_enabled():
            from opentelemetry.instrumentation.grpc import server_interceptor

            interceptors.insert(0, server_interceptor())
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=spec.max_workers),
            interceptors=interceptors,
            options=[("grpc.so_reuseport", 0), *SERVER_OPTIONS],
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        spec.register(self.server)
        enable_reflection([*spec.service_names, health.SERVICE_NAME], self.server)
        self.port = self.server.add_insecure_port(f"{spec.host}:{spec.port}")
        self._threads: list[threading.Thread] = []
        self._set_status(health_pb2.HealthCheckResponse.NOT_SERVING)

    def _set_status(self, status: Any) -> None:
        self.health.set("", status)
        for name in self.spec.service_names:
            self.health.set(name, status)

    def start(self) -> RunningService:
        self.server.start()
        for worker in self.spec.workers:
            thread = threading.Thread(
                target=self._run_worker, args=(worker,), name=worker.name, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self._set_status(health_pb2.HealthCheckResponse.SERVING)
        log.info("%s serving gRPC on port %d", self.spec.name, self.port)
        return self

    def _run_worker(self, worker: Worker) -> None:
        while not self.stop_event.is_set():
            try:
                worker.run(self.stop_event)
                return
            except Exception:
                log.exception("worker %s crashed; restarting in 1s", worker.name)
                self.stop_event.wait(1.0)

    def stop(self) -> None:
        """Drain: report NOT_SERVING, finish in-flight calls, stop the workers."""
        self._set_status(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.server.stop(self.spec.grace_seconds).wait()
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout=self.spec.grace_seconds)
        log.info("%s stopped", self.spec.name)


def serve_forever(spec: GrpcService, on_stop: Iterable[Callable[[], None]] = ()) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    running = RunningService(spec).start()
    done = threading.Event()

    def _handle(_signum: int, _frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
    done.wait()
    running.stop()
    for callback in on_stop:
        callback()


def identity_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return ((METADATA_KEY, token),)
