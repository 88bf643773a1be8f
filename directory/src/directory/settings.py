"""The Directory server's settings (ENGINEERING rule 12).

Each field ``foo`` is read from ``SECRETARIAT_FOO``; fields without a
default are required and a missing one stops the process naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from secretariat_shared.settings import setting


@dataclass(frozen=True)
class DirectoryServerSettings:
    """What the Directory gRPC server needs: read access and the public key only."""

    database_url: str = setting("SQLAlchemy URL of the gateway's database (directory)")
    identity_public_key: str = setting("PEM of the gateway's Ed25519 public key")
    internal_token_secret: str = setting("shared secret for service-to-service tokens")
    service_public_keys: str = setting(
        "JSON object service name → Ed25519 public key PEM of every service (issue 19); "
        "given, service tokens from the internal secret are refused",
        "",
    )
    directory_grpc_port: int = setting("port of the Directory gRPC server", 50050)
    directory_grpc_host: str = setting("interface the Directory gRPC server binds", "127.0.0.1")
    metrics_port: int = setting("port of the Prometheus /metrics endpoint (0 = off)", 0)
    amqp_url: str = setting(
        "message bus for the gateway's events (directory.calendar.updated); empty: not relayed",
        "",
    )
    timezone: str = setting("organisation time zone (calendar coverage)", "Asia/Shanghai")
    testing: bool = setting("enables the movable test clock", False)
    clock_file: str = setting("file holding the test clock's offset (testing only)", "")
    log_level: str = setting("logging level", "INFO")
    worker_threads: int = setting("gRPC server worker threads", 16)
