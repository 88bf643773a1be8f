"""Composition root: builds the gateway's objects from settings. Nothing is built
at import time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Response, request

from directory.adapters.passwords import Passwords
from directory.domain.login_throttling import Backoff, LoginPolicy, LoginThrottle
from gateway.adapters.idempotency_store import SqlIdempotencyStore
from gateway.api.errors import request_language
from gateway.api.idempotency import IdempotentRunner
from gateway.api.transcoder import Transcoder
from gateway.service_layer.auth import AuthService, Caller, directory_changed
from gateway.settings import DIRECTORY, GatewaySettings
from secretariat_shared.bus import BusTopology
from secretariat_shared.channels import ChannelPool
from secretariat_shared.clock import Clock, clock_from_settings
from secretariat_shared.contract.catalog import ConfiguredService, RouteCatalog
from secretariat_shared.db import Database
from secretariat_shared.directory_sync import DirectoryChangeListener, start_listener
from secretariat_shared.identity import SERVICE_AUDIENCE, Identity, IdentitySigner, IdentityVerifier

# The gateway's own calls (descriptors) carry a service token it signs with its identity key.
GATEWAY_SERVICE = Identity(username="service:gateway", name="gateway", kind="service")


@dataclass
class Gateway:
    """Everything the HTTP routes use; also the registry's :class:`RouteRuntime`."""

    settings: GatewaySettings
    clock: Clock
    db: Database
    passwords: Passwords
    signer: IdentitySigner
    auth: AuthService
    idempotency: IdempotentRunner
    channels: ChannelPool
    catalog: RouteCatalog
    transcoder: Transcoder
    directory_changes: DirectoryChangeListener | None = None
    """This process's directory-change listener (issue 21), when it runs."""
    stop_listening: threading.Event | None = None

    def authenticate(self, token: str | None) -> Caller:
        return self.auth.authenticate(token)

    def run_idempotent(
        self, username: str, key: str, raw_body: bytes, produce: Callable[[], Response]
    ) -> Response:
        return self.idempotency.run(request, request_language(), username, key, raw_body, produce)

    def close(self) -> None:
        if self.stop_listening is not None:
            self.stop_listening.set()
        self.auth.close()
        self.channels.close()
        self.db.dispose()


def _forget_people_after_directory_writes(service: str) -> None:
    """A role, password or activity change answered by the Directory takes effect
    at once in this process (the other processes' caches expire within seconds)."""
    if service == DIRECTORY:
        directory_changed()


def build_gateway(
    settings: GatewaySettings,
    *,
    clock: Clock | None = None,
    passwords: Passwords | None = None,
) -> Gateway:
    clock = clock or clock_from_settings(settings.testing, settings.clock_file)
    db = Database(settings.database_url)
    passwords = passwords or Passwords()
    signer = IdentitySigner(settings.identity_private_key, clock)
    # No internal secret here: a service token must never pass as a person's access token.
    access_verifier = IdentityVerifier(settings.identity_public_key, clock)
    channels = ChannelPool()
    catalog = RouteCatalog(
        [ConfiguredService(name, address) for name, address in settings.service_addresses],
        channels.channel,
        lambda: signer.sign_reusable(GATEWAY_SERVICE, SERVICE_AUDIENCE, 300),
        settings.descriptor_refresh_seconds,
    )
    idempotency = IdempotentRunner(SqlIdempotencyStore(db), clock)

    transcoder = Transcoder(
        catalog,
        channels.channel,
        signer,
        lambda token: auth.authenticate(token),
        idempotency.run,
        ZoneInfo(settings.timezone),
        settings.service_token_ttl,
        settings.grpc_deadline,
        settings.default_language,
        changed=_forget_people_after_directory_writes,
    )
    window = timedelta(seconds=settings.login_window_seconds)
    policy = LoginPolicy(
        username=LoginThrottle(max_failures=settings.login_max_failures, window=window),
        client=Backoff(free_failures=settings.login_client_free_failures, max_delay=window),
        ceiling=settings.login_global_ceiling,
    )
    auth = AuthService(
        db,
        passwords,
        clock,
        signer,
        access_verifier,
        policy,
        settings.access_token_ttl,
        concurrent_logins=settings.login_concurrency,
        waiting_logins=settings.login_queue,
    )
    listener, stop_listening = None, None
    if settings.amqp_url:
        # Every gateway process drops its cached callers on a directory change.
        listener, stop_listening = start_listener(settings.amqp_url, BusTopology(), "gateway")
    return Gateway(
        settings=settings,
        clock=clock,
        db=db,
        passwords=passwords,
        signer=signer,
        auth=auth,
        idempotency=idempotency,
        channels=channels,
        catalog=catalog,
        transcoder=transcoder,
        directory_changes=listener,
        stop_listening=stop_listening,
    )
