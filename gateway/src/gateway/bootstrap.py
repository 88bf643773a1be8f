"""Composition root: builds the gateway's objects from settings. Nothing is built
at import time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Response

from gateway.adapters.idempotency_store import SqlIdempotencyStore
from gateway.adapters.passwords import Passwords
from gateway.adapters.services import RemoteService, ServiceCaller, ServiceChannels
from gateway.api.idempotency import IdempotentRunner
from gateway.api.registry import Call, Operation
from gateway.domain.throttling import Backoff, LoginPolicy, LoginThrottle
from gateway.service_layer.auth import AuthService, Caller
from gateway.service_layer.directory import DirectoryService
from gateway.settings import GatewaySettings
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.db import Database
from secretariat_shared.identity import IdentitySigner, IdentityVerifier


@dataclass
class Gateway:
    """Everything the HTTP routes use; also the registry's :class:`RouteRuntime`."""

    settings: GatewaySettings
    clock: Clock
    db: Database
    passwords: Passwords
    signer: IdentitySigner
    auth: AuthService
    directory: DirectoryService
    idempotency: IdempotentRunner
    channels: ServiceChannels
    services: ServiceCaller
    documents: RemoteService
    infohub: RemoteService
    meetings: RemoteService
    facilities: RemoteService
    timezone: ZoneInfo

    @property
    def remote_services(self) -> tuple[RemoteService, ...]:
        return (self.documents, self.infohub, self.meetings, self.facilities)

    def authenticate(self, token: str | None) -> Caller:
        return self.auth.authenticate(token)

    def run_idempotent(
        self, operation: Operation, call: Call, key: str, raw_body: bytes
    ) -> Response:
        return self.idempotency.run(operation, call, key, raw_body)

    def close(self) -> None:
        self.auth.close()
        self.channels.close()
        self.db.dispose()


def build_gateway(
    settings: GatewaySettings,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
    passwords: Passwords | None = None,
    channels: ServiceChannels | None = None,
) -> Gateway:
    clock = clock or clock_from_settings(settings.testing, settings.clock_file)
    db = database or Database(settings.database_url)
    passwords = passwords or Passwords()
    signer = IdentitySigner(settings.identity_private_key, clock)
    # No internal secret here: a service token must never pass as a person's access token.
    access_verifier = IdentityVerifier(settings.identity_public_key, clock)
    channels = channels or ServiceChannels()
    window = timedelta(seconds=settings.login_window_seconds)
    policy = LoginPolicy(
        username=LoginThrottle(max_failures=settings.login_max_failures, window=window),
        client=Backoff(free_failures=settings.login_client_free_failures, max_delay=window),
        ceiling=settings.login_global_ceiling,
    )
    return Gateway(
        settings=settings,
        clock=clock,
        db=db,
        passwords=passwords,
        signer=signer,
        auth=AuthService(
            db,
            passwords,
            clock,
            signer,
            access_verifier,
            policy,
            settings.access_token_ttl,
            concurrent_logins=settings.login_concurrency,
            waiting_logins=settings.login_queue,
        ),
        directory=DirectoryService(db, passwords, clock),
        idempotency=IdempotentRunner(SqlIdempotencyStore(db), clock),
        channels=channels,
        services=ServiceCaller(
            channels, signer, settings.service_token_ttl, settings.grpc_deadline
        ),
        documents=RemoteService("documents", settings.documents_address),
        infohub=RemoteService("infohub", settings.infohub_address),
        meetings=RemoteService("meetings", settings.meetings_address),
        facilities=RemoteService("facilities", settings.facilities_address),
        timezone=ZoneInfo(settings.timezone),
    )
