"""Typed settings read from environment variables (ENGINEERING rule 12).

A settings class is a frozen dataclass; each field ``foo_bar`` is read from
``SECRETARIAT_FOO_BAR``. A field without a default is required: when its
variable is unset the process stops with a message naming the variable.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

PREFIX = "SECRETARIAT_"

T = TypeVar("T")


class SettingsError(Exception):
    """A required variable is missing or a value cannot be parsed."""


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()


def _convert(raw: str, target: Any, name: str) -> Any:
    if target is str:
        return raw
    if target is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if target is float:
        try:
            return float(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if target is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    if target is Path:
        return Path(raw)
    origin = typing.get_origin(target)
    if origin is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    raise SettingsError(f"{name}: unsupported setting type {target!r}")


def load_settings(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """Build ``cls`` from the environment; raise SettingsError naming the variable."""
    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    missing: list[str] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = env_name(field.name)
        target = hints[field.name]
        if typing.get_origin(target) is typing.Union or type(target).__name__ == "UnionType":
            args = [a for a in typing.get_args(target) if a is not type(None)]
            target = args[0]
        if name in env:
            values[field.name] = _convert(env[name], target, name)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            doc = field.metadata.get("help", "")
            missing.append(f"{name}" + (f" ({doc})" if doc else ""))
    if missing:
        raise SettingsError("missing required environment variable(s): " + ", ".join(missing))
    return cls(**values)


def load_or_exit(cls: type[T]) -> T:
    """Entry-point helper: print the problem and exit 2 instead of a traceback."""
    try:
        return load_settings(cls)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def setting(help: str, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field with a help text used in error messages and docs."""
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata={"help": help})
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class ServiceSettings:
    """What every gRPC service process needs."""

    database_url: str = setting("SQLAlchemy URL of this service's own database")
    amqp_url: str = setting("message bus: amqp://… for RabbitMQ or filesystem:///dir embedded")
    identity_public_key: str = setting("PEM of the gateway's Ed25519 public key")
    internal_token_secret: str = setting("shared secret for service-to-service tokens")
    service_private_key: str = setting(
        "PEM of this service's own Ed25519 key signing its service tokens (issue 19); "
        "empty: HS256 tokens from the internal secret",
        "",
    )
    service_public_keys: str = setting(
        "JSON object service name → Ed25519 public key PEM of every service that may call "
        "this one; given, service tokens from the internal secret are refused",
        "",
    )
    grpc_port: int = setting("port of the gRPC server", 50051)
    grpc_host: str = setting("interface the gRPC server binds", "127.0.0.1")
    metrics_port: int = setting("port of the Prometheus /metrics endpoint (0 = off)", 0)
    directory_address: str = setting("host:port of the gateway's Directory gRPC service", "")
    timezone: str = setting("organisation time zone", "Asia/Shanghai")
    calendar_overrides: str = setting(
        "JSON {holidays: [dates], workdays: [dates]} layered over the China calendar", ""
    )
    testing: bool = setting("enables the movable test clock", False)
    clock_file: str = setting("file holding the test clock's offset (testing only)", "")
    log_level: str = setting("logging level", "INFO")
    worker_threads: int = setting("gRPC server worker threads", 16)
    relay_interval: float = setting(
        "seconds between outbox relay polls when idle (commits wake it at once)", 1.0
    )
    scheduler_interval: float = setting("seconds between timer sweeps", 1.0)
