"""The gateway's settings (ENGINEERING rule 12); the Directory server's are in
:mod:`directory.settings`.

Each field ``foo`` is read from ``SECRETARIAT_FOO``; fields without a
default are required and a missing one stops the process naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from secretariat_shared.settings import setting

DIRECTORY = "directory"
"""The Directory server's name among the services the gateway routes to."""


@dataclass(frozen=True)
class GatewaySettings:
    """What the HTTP gateway process needs."""

    database_url: str = setting("SQLAlchemy URL of the gateway's database (directory, logins)")
    identity_private_key: str = setting("PEM of the Ed25519 key that signs identity tokens")
    identity_public_key: str = setting("PEM of the matching Ed25519 public key")
    internal_token_secret: str = setting("shared secret for service-to-service tokens")
    directory_address: str = setting(
        "host:port of the Directory gRPC server, which serves the directory's and the "
        "calendar's HTTP routes (transcoded like a service's)",
        "",
    )
    documents_address: str = setting("host:port of the documents gRPC service", "")
    infohub_address: str = setting("host:port of the infohub gRPC service", "")
    meetings_address: str = setting("host:port of the meetings gRPC service", "")
    facilities_address: str = setting("host:port of the facilities gRPC service", "")
    services: str = setting(
        "more services to route to, as name=host:port pairs separated by commas", ""
    )
    descriptor_refresh_seconds: float = setting(
        "seconds between reloads of the services' descriptors (new routes without restart)", 10.0
    )
    default_language: str = setting(
        "language of messages when a request has no Accept-Language (zh-CN or en)", "zh-CN"
    )
    admin_password: str = setting(
        "password of the 'admin' account; default 'admin' in demo mode, else no admin", ""
    )
    demo: bool = setting("seed the demo organisation", False)
    demo_password: str = setting(
        "initial password of the seeded demo people; 'demo' when empty (make run only)", ""
    )
    testing: bool = setting("enables the movable test clock and POST /api/v1/testing/clock", False)
    clock_file: str = setting("file holding the test clock's offset (testing only)", "")
    access_token_ttl: int = setting("seconds an access token stays valid", 900)
    service_token_ttl: int = setting("seconds a forwarded identity token stays valid", 60)
    grpc_deadline: float = setting("seconds a call to a service may take", 10.0)
    directory_grpc_port: int = setting("port of the Directory gRPC server", 50050)
    directory_grpc_host: str = setting("interface the Directory gRPC server binds", "127.0.0.1")
    timezone: str = setting("organisation time zone (dates in queries)", "Asia/Shanghai")
    login_max_failures: int = setting("failed logins per username before throttling", 5)
    login_window_seconds: int = setting("throttling window for failed logins", 900)
    login_client_free_failures: int = setting(
        "failed logins per client address (any username) before its backoff starts", 20
    )
    login_global_ceiling: int = setting(
        "failed logins per minute across the gateway above which a locked username is "
        "locked for every client",
        300,
    )
    login_concurrency: int = setting(
        "password checks (argon2) one gateway process runs at once, at a lower CPU priority",
        1,
    )
    login_queue: int = setting(
        "logins that may wait for a password check in one process; more are refused (429)", 3
    )
    trusted_proxy_hops: int = setting(
        "reverse proxies in front of the gateway whose X-Forwarded-For is trusted "
        "(the client address throttling uses)",
        0,
    )
    api_docs: bool = setting("serve /docs and /openapi.json (switch off in production)", True)
    http_metrics_bind: str = setting(
        "host:port serving the gateway's /metrics apart from the public port "
        "(empty = on the public port)",
        "",
    )
    amqp_url: str = setting(
        "message bus on which every gateway process hears directory changes and drops its "
        "cached caller records (issue 21); empty: they expire after 5 seconds",
        "",
    )
    log_level: str = setting("logging level", "INFO")

    @property
    def service_addresses(self) -> list[tuple[str, str]]:
        """Every service the gateway routes to: the named settings, then ``services``."""
        found = [
            (DIRECTORY, self.directory_address),
            ("documents", self.documents_address),
            ("infohub", self.infohub_address),
            ("meetings", self.meetings_address),
            ("facilities", self.facilities_address),
        ]
        for pair in self.services.split(","):
            name, _, address = pair.strip().partition("=")
            if name.strip() and address.strip():
                found.append((name.strip(), address.strip()))
        return [(name, address) for name, address in found if address]

    @property
    def effective_admin_password(self) -> str:
        """The admin password to seed with; empty means no admin account is created."""
        if self.admin_password:
            return self.admin_password
        return "admin" if self.demo else ""
