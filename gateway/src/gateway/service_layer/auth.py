"""Login and the caller behind a bearer token (ENGINEERING rule 7)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from directory.adapters.directory_repository import SqlDirectory
from directory.adapters.passwords import Passwords
from directory.domain.directory import PersonRecord
from directory.domain.login_throttling import LoginPolicy
from directory.service_layer.password_checks import PasswordChecks, PasswordChecksBusy
from gateway.adapters.login_failures import SqlLoginFailures
from secretariat_shared import directory_sync
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.directory_sync import DirectoryChange
from secretariat_shared.errors import DomainError
from secretariat_shared.identity import (
    ACCESS_AUDIENCE,
    Identity,
    IdentitySigner,
    IdentityVerifier,
    InvalidIdentity,
)

SIGNED_IN_CLAIM = "signed_in_at"
SESSION_HOURS = 12


class InvalidCredentials(DomainError):
    """Wrong username or password (the two are not told apart)."""


class LoginThrottled(DomainError):
    def __init__(
        self,
        retry_after: int,
        reason: str = "username",
        message: str = "",
        title: str = "Too many failed logins",
    ) -> None:
        super().__init__(message or f"too many failed logins; try again in {retry_after} seconds")
        self.retry_after = retry_after
        self.reason = reason
        self.title = title


class NotAuthenticated(DomainError):
    """No valid access token, or its person is gone or deactivated."""


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int


@dataclass(frozen=True)
class Caller:
    """The authenticated person behind a request, as the directory knows them now."""

    identity: Identity
    record: PersonRecord


def identity_of(record: PersonRecord) -> Identity:
    person = record.person
    return Identity(
        username=person.username,
        name=person.name,
        department_code=person.department_code or "",
        roles=frozenset(person.roles),
        headed_departments=frozenset(record.headed_departments),
        kind="user",
        supervised_departments=frozenset(record.supervised_departments),
    )


class PersonCache:
    """People looked up by ``authenticate``, kept for a few seconds.

    Every request would otherwise read the person and their headships. How
    stale a caller record may be (issue 21): a directory change made in this
    process empties the cache at once (:func:`directory_changed`); other
    gateway processes empty it when they hear ``directory.person.changed`` /
    ``directory.department.changed`` (their listener,
    :mod:`secretariat_shared.directory_sync`, runs when SECRETARIAT_AMQP_URL
    is set), normally well under a second later; ``seconds`` (5) bounds it
    when the event is missed. A deactivated person or a revoked token is
    therefore refused by every gateway process within that bound.
    """

    generation = 0

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._entries: dict[str, tuple[float, int, PersonRecord | None]] = {}
        self._lock = threading.Lock()

    def get(self, username: str) -> PersonRecord | None:
        with self._lock:
            hit = self._entries.get(username)
        if hit is None or hit[0] < time.monotonic() or hit[1] != PersonCache.generation:
            return None
        return hit[2]

    def put(self, username: str, record: PersonRecord | None) -> None:
        if self._seconds <= 0 or record is None:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[username] = (
                time.monotonic() + self._seconds,
                PersonCache.generation,
                record,
            )


def directory_changed() -> None:
    """Forget every cached person in this process (called after directory writes)."""
    PersonCache.generation += 1


class _CallerRecords:
    """The process's caller records as a directory cache: any change empties them
    (a department change moves headships, a person change roles and activity)."""

    def forget(self, change: DirectoryChange) -> None:
        directory_changed()


CALLER_RECORDS = _CallerRecords()
directory_sync.register(CALLER_RECORDS)


TOKEN_VERSION_CLAIM = "ver"  # noqa: S105 - a claim name, not a secret


class AuthService:
    def __init__(
        self,
        db: Database,
        passwords: Passwords,
        clock: Clock,
        signer: IdentitySigner,
        verifier: IdentityVerifier,
        policy: LoginPolicy,
        access_token_ttl: int,
        record_cache_seconds: float = 5.0,
        concurrent_logins: int = 1,
        waiting_logins: int = 3,
    ) -> None:
        self._db = db
        self._passwords = passwords
        self._clock = clock
        self._signer = signer
        self._verifier = verifier
        self._policy = policy
        self._ttl = access_token_ttl
        self._people = PersonCache(record_cache_seconds)
        self._checks = PasswordChecks(passwords, concurrent_logins, waiting_logins)

    def login(self, username: str, password: str, client: str = "unknown") -> AccessToken:
        """An access token for the right password; throttled before any hashing.

        ``client`` is the caller's throttling key (:func:`client_key`).
        """
        try:
            with self._checks.admitted():
                return self._login(username, password, client)
        except PasswordChecksBusy:
            raise LoginThrottled(
                1, "busy", "too many logins at once; try again in a second", "Too many logins"
            ) from None

    def _login(self, username: str, password: str, client: str) -> AccessToken:
        now = self._clock.now()
        attempt = self._reserve_attempt(username, client, now)
        with self._db.reading() as session:
            record = SqlDirectory(session).record(username)
            stored_hash = SqlDirectory(session).password_hash(username) if record else None

        # Verified outside any transaction: argon2 is slow on purpose.
        valid = self._checks.verify(stored_hash, password)
        if not valid or record is None or not record.person.active:
            # The reserved attempt stays: it is this failure.
            raise InvalidCredentials("wrong username or password")

        rehash = bool(stored_hash and self._passwords.needs_rehash(stored_hash))
        with self._db.write_session() as session:
            failures = SqlLoginFailures(session)
            failures.forget(attempt)
            failures.clear(username, client)
            if rehash:
                SqlDirectory(session).set_password_hash(username, self._passwords.hash(password))
            session.commit()
        return self._issue(record, int(now.timestamp()))

    def _issue(self, record: PersonRecord, signed_in_at: int) -> AccessToken:
        token = self._signer.sign(
            identity_of(record),
            ACCESS_AUDIENCE,
            self._ttl,
            extra={TOKEN_VERSION_CLAIM: record.token_version, SIGNED_IN_CLAIM: signed_in_at},
        )
        return AccessToken(token=token, expires_in=self._ttl)

    def refresh(self, token: str | None) -> AccessToken:
        """A fresh access token for a valid one, so an active session (the workbench)
        continues; a session ends :data:`SESSION_HOURS` after its password login, and a
        revoked token (password, role or activity change) cannot be refreshed."""
        caller = self.authenticate(token)
        _, claims = self._verifier.verify_claims(token, audience=ACCESS_AUDIENCE)
        signed_in_at = int(claims.get(SIGNED_IN_CLAIM, claims.get("iat", 0)))
        if self._clock.now().timestamp() - signed_in_at > SESSION_HOURS * 3600:
            raise NotAuthenticated("the session is over; log in again")
        return self._issue(caller.record, signed_in_at)

    def _reserve_attempt(self, username: str, client: str, now: datetime) -> int:
        """Check the limits and count this attempt, in one serialised transaction."""
        policy = self._policy
        with self._db.write_session() as session:
            failures = SqlLoginFailures(session)
            failures.lock()
            failures.forget_before(policy.window_start(now))
            history = failures.history(
                username, client, policy.window_start(now), now - policy.ceiling_period
            )
            refusal = policy.refusal(history, now)
            if refusal is not None:
                session.rollback()
                raise LoginThrottled(refusal.retry_after, refusal.reason)
            attempt = failures.reserve(username, client, now)
            session.commit()
        return attempt

    def close(self) -> None:
        self._checks.close()

    def authenticate(self, token: str | None) -> Caller:
        """The caller behind an access token, with roles and headships as they are now."""
        try:
            claimed, claims = self._verifier.verify_claims(token, audience=ACCESS_AUDIENCE)
        except InvalidIdentity as exc:
            raise NotAuthenticated(str(exc)) from exc
        if claimed.is_service:
            raise NotAuthenticated("a service token is not an access token")
        record = self._people.get(claimed.username)
        if record is None:
            with self._db.reading() as session:
                record = SqlDirectory(session).record(claimed.username)
            self._people.put(claimed.username, record)
        if record is None or not record.person.active:
            raise NotAuthenticated("the account no longer exists or is deactivated")
        if claims.get(TOKEN_VERSION_CLAIM, 0) != record.token_version:
            # A password change, deactivation or role change since it was issued.
            raise NotAuthenticated("the token was revoked; log in again")
        return Caller(identity=identity_of(record), record=record)
