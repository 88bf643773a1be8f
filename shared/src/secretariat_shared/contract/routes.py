"""A service's HTTP routes from its descriptors (``google.api.http`` and our
``secretariat.api.v1`` options): over gRPC server reflection, or from this
build's generated modules while the service is down (so an HTTP front can
answer 503 on its paths).

Reflection is answered only to service identities; the caller presents a
short-lived service token.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from secretariat_shared.contract.options import http_rule_of, operation_of
from secretariat_shared.contract.path_templates import (
    PathTemplate,
    UnsupportedTemplate,
    parse_template,
)
from secretariat_shared.identity import METADATA_KEY

log = logging.getLogger(__name__)
HTTP_BODY = "google.api.HttpBody"
"""A request or answer field of this type carries raw bytes and their media type."""
_SKIPPED_SERVICES = ("grpc.",)


@dataclass(frozen=True)
class Route:
    """One HTTP binding of one RPC."""

    service: str
    rpc_path: str
    http_method: str
    template: PathTemplate
    body: str
    response_body: str
    input_class: Any
    output_class: Any
    operation: Any
    description: str
    endpoint: str

    @property
    def input(self) -> Any:
        return self.input_class.DESCRIPTOR

    @property
    def output(self) -> Any:
        return self.output_class.DESCRIPTOR


@dataclass
class ServiceRoutes:
    """What one configured service exposes, and whether it answered."""

    name: str
    address: str
    routes: list[Route] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""
    live: bool = False
    error: str = ""


def comments_of(files: Iterable[descriptor_pb2.FileDescriptorProto]) -> dict[str, str]:
    """Leading comments by full name (services, methods, messages, fields)."""
    found: dict[str, str] = {}
    for proto in files:
        names: dict[tuple[int, ...], str] = {}
        package = proto.package
        for s_index, service in enumerate(proto.service):
            service_name = f"{package}.{service.name}"
            names[(6, s_index)] = service_name
            for m_index, method in enumerate(service.method):
                names[(6, s_index, 2, m_index)] = f"{service_name}.{method.name}"

        def walk(
            messages: Any, prefix: str, path: tuple[int, ...], names: dict[tuple[int, ...], str]
        ) -> None:
            for index, message in enumerate(messages):
                full = f"{prefix}.{message.name}"
                here = (*path, index)
                names[here] = full
                for f_index, item in enumerate(message.field):
                    names[(*here, 2, f_index)] = f"{full}.{item.name}"
                walk(message.nested_type, full, (*here, 3), names)

        walk(proto.message_type, package, (4,), names)
        for location in proto.source_code_info.location:
            name = names.get(tuple(location.path))
            text = location.leading_comments.strip()
            if name and text:
                found[name] = " ".join(line.strip() for line in text.splitlines())
    return found


def _fetch_files(channel: grpc.Channel, token: str, timeout: float) -> list[bytes]:
    """Every file (with dependencies) that defines the service's services, over reflection."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    metadata = ((METADATA_KEY, token),)

    def ask(requests: list[reflection_pb2.ServerReflectionRequest]) -> list[Any]:
        return list(stub.ServerReflectionInfo(iter(requests), timeout=timeout, metadata=metadata))

    listed = ask([reflection_pb2.ServerReflectionRequest(list_services="")])
    services = [
        item.name
        for answer in listed
        for item in answer.list_services_response.service
        if not item.name.startswith(_SKIPPED_SERVICES)
    ]
    files: dict[str, bytes] = {}
    answers = ask(
        [reflection_pb2.ServerReflectionRequest(file_containing_symbol=name) for name in services]
    )
    for answer in answers:
        if answer.HasField("error_response"):
            raise RuntimeError(answer.error_response.error_message)
        for raw in answer.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
            files.setdefault(proto.name, raw)
    missing = {
        dependency
        for raw in files.values()
        for dependency in descriptor_pb2.FileDescriptorProto.FromString(raw).dependency
        if dependency not in files
    }
    if missing:
        for answer in ask(
            [reflection_pb2.ServerReflectionRequest(file_by_filename=name) for name in missing]
        ):
            for raw in answer.file_descriptor_response.file_descriptor_proto:
                proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
                files.setdefault(proto.name, raw)
    return list(files.values())


def _pool_of(files: list[bytes]) -> tuple[descriptor_pool.DescriptorPool, list[Any]]:
    protos = {
        proto.name: proto
        for proto in (descriptor_pb2.FileDescriptorProto.FromString(r) for r in files)
    }
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(name: str) -> None:
        if name in added:
            return
        proto = protos.get(name)
        if proto is None:
            base = descriptor_pool.Default().FindFileByName(name)
            proto = descriptor_pb2.FileDescriptorProto()
            base.CopyToProto(proto)
        for dependency in proto.dependency:
            add(dependency)
        pool.Add(proto)
        added.add(name)

    for name in protos:
        add(name)
    return pool, list(protos.values())


def routes_from_files(name: str, address: str, files: list[bytes]) -> ServiceRoutes:
    pool, protos = _pool_of(files)
    result = ServiceRoutes(name=name, address=address, live=True)
    result.comments = comments_of(protos)
    result.fingerprint = fingerprint_of(files)
    for proto in protos:
        for service_proto in proto.service:
            service = pool.FindServiceByName(f"{proto.package}.{service_proto.name}")
            result.routes.extend(_service_routes(name, service, result.comments))
    return result


def _bindings(rule: Any) -> list[Any]:
    return [rule, *rule.additional_bindings]


def _service_routes(name: str, service: Any, comments: dict[str, str]) -> list[Route]:
    found: list[Route] = []
    for method in service.methods:
        if method.client_streaming or method.server_streaming:
            continue
        rule = http_rule_of(method)
        if rule is None:
            continue
        input_class = message_factory.GetMessageClass(method.input_type)
        output_class = message_factory.GetMessageClass(method.output_type)
        for index, binding in enumerate(_bindings(rule)):
            pattern = binding.WhichOneof("pattern")
            if pattern is None or pattern == "custom":
                continue
            try:
                template = parse_template(getattr(binding, pattern))
            except UnsupportedTemplate as exc:
                log.warning("%s.%s: %s", service.full_name, method.name, exc)
                continue
            unknown = [f for f in template.fields if f not in method.input_type.fields_by_name]
            if unknown:
                log.warning(
                    "%s.%s binds unknown fields %s", service.full_name, method.name, unknown
                )
                continue
            found.append(
                Route(
                    service=name,
                    rpc_path=f"/{service.full_name}/{method.name}",
                    http_method=pattern.upper(),
                    template=template,
                    body=binding.body,
                    response_body=binding.response_body,
                    input_class=input_class,
                    output_class=output_class,
                    operation=operation_of(method),
                    description=comments.get(f"{service.full_name}.{method.name}", ""),
                    endpoint=f"{service.full_name}.{method.name}" + (f".{index}" if index else ""),
                )
            )
    return found


def load_live(
    name: str,
    address: str,
    channel: grpc.Channel,
    token: str,
    timeout: float,
    previous: ServiceRoutes | None = None,
) -> ServiceRoutes:
    """The service's routes from its reflection; ``previous`` is reused when the
    files are the same. Each gateway worker reloads every service every few
    seconds, and building the routes (a descriptor pool, message classes) takes
    ~2 ms of CPU per service under the GIL: unskipped, that burst stood in
    front of the requests the worker was serving (issue 20, read p99)."""
    files = _fetch_files(channel, token, timeout)
    if previous is not None and previous.routes and previous.fingerprint == fingerprint_of(files):
        return previous if previous.live else replace(previous, live=True, error="")
    return routes_from_files(name, address, files)


def fingerprint_of(files: list[bytes]) -> str:
    """What identifies a service's descriptor files, in whatever order they came."""
    return hashlib.sha256(b"".join(sorted(files))).hexdigest()


def load_fallback(name: str, address: str, error: str) -> ServiceRoutes:
    """Routes of a service that did not answer, from the generated modules (``secretariat.<name>.*``):
    they answer 503 until it is back. A service unknown to this build has none."""
    default = descriptor_pool.Default()
    files: list[bytes] = []
    prefix = f"secretariat/{name}/"
    import secretariat

    for module in pkgutil.walk_packages(secretariat.__path__, "secretariat."):
        if not module.name.endswith("_pb2"):
            continue
        loaded = importlib.import_module(module.name)
        descriptor = getattr(loaded, "DESCRIPTOR", None)
        if descriptor is None or not descriptor.name.startswith(prefix):
            continue
        if not descriptor.services_by_name:
            continue
        files.append(_serialized(default, descriptor.name))
    if not files:
        return ServiceRoutes(name=name, address=address, live=False, error=error)
    result = routes_from_files(name, address, files)
    result.live = False
    result.error = error
    return result


def _serialized(pool: Any, name: str) -> bytes:
    proto = descriptor_pb2.FileDescriptorProto()
    pool.FindFileByName(name).CopyToProto(proto)
    return proto.SerializeToString()
