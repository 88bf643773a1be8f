"""Service accounts (issue 19): an administrator creates, lists, disables them
and rotates their secrets, each change in one transaction and audited like the
rest of the directory (SPEC X-04); the gateway exchanges their client
credentials for a short-lived client token (OAuth 2 client credentials,
RFC 6749 §4.4) naming the methods they may call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from directory.adapters.directory_repository import SqlDirectory
from directory.adapters.service_account_repository import SqlServiceAccounts
from directory.domain.directory import DuplicateEntry
from directory.domain.service_accounts import (
    ServiceAccount,
    TokenRequestRefused,
    check_service_account,
    granted_scope,
    hash_secret,
    new_secret,
    secret_matches,
    token_request,
)
from secretariat_shared.clock import Clock
from secretariat_shared.db import Database
from secretariat_shared.errors import FieldError, NotFound, PreconditionFailed
from secretariat_shared.grpc_clients import (
    CLIENT_AUDIENCE,
    CLIENT_KIND,
    CLIENT_SUBJECT_PREFIX,
    TOKEN_SECONDS,
    client_claims,
)
from secretariat_shared.identity import Identity, IdentitySigner

ENTITY = "service_account"


def _snapshot(account: ServiceAccount) -> dict[str, Any]:
    """What the audit trail keeps of an account: never its secret or hash."""
    return {
        "client_id": account.client_id,
        "name": account.name,
        "allowed_methods": list(account.allowed_methods),
        "active": account.active,
        "created_by": account.created_by,
    }


@dataclass(frozen=True)
class IssuedSecret:
    """An account and its new secret, which is shown this once."""

    account: ServiceAccount
    secret: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: tuple[str, ...]


def client_identity(account: ServiceAccount) -> Identity:
    """Who a client token speaks for under X-03: nobody with a department or a role."""
    return Identity(
        username=CLIENT_SUBJECT_PREFIX + account.client_id, name=account.name, kind=CLIENT_KIND
    )


class ServiceAccounts:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def get(self, client_id: str) -> ServiceAccount:
        with self._db.reading() as session:
            account = SqlServiceAccounts(session).get(client_id)
        if account is None:
            raise NotFound(f"service account {client_id} not found")
        return account

    def list(self, page: int, page_size: int) -> tuple[list[ServiceAccount], int]:
        with self._db.reading() as session:
            return SqlServiceAccounts(session).page((page - 1) * page_size, page_size)

    def create(self, actor: str, account: ServiceAccount, secret: str = "") -> IssuedSecret:
        """A new account and its secret (generated; ``secret`` only for the demo seed)."""
        account = check_service_account(account)
        secret = secret or new_secret()
        now = self._clock.now()
        with self._db.write_session() as session:
            accounts = SqlServiceAccounts(session)
            if accounts.get(account.client_id) is not None:
                raise DuplicateEntry(
                    FieldError("client_id", f"service account {account.client_id} exists")
                )
            accounts.add(account, hash_secret(secret), now)
            self._audit(session, actor, "service_account.created", account.client_id, None, account)
            try:
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                raise DuplicateEntry(
                    FieldError("client_id", f"service account {account.client_id} exists")
                ) from exc
        return IssuedSecret(self.get(account.client_id), secret)

    def disable(self, actor: str, client_id: str) -> ServiceAccount:
        """No new tokens from now on; tokens issued before run out within their lifetime."""
        with self._db.write_session() as session:
            accounts = SqlServiceAccounts(session)
            current = self._locked(accounts, client_id)
            if current.active:
                accounts.disable(client_id)
                after = replace(current, active=False)
                self._audit(session, actor, "service_account.disabled", client_id, current, after)
                session.commit()
        return self.get(client_id)

    def rotate_secret(self, actor: str, client_id: str) -> IssuedSecret:
        """A new secret; the old one stops working at once."""
        secret = new_secret()
        now = self._clock.now()
        with self._db.write_session() as session:
            accounts = SqlServiceAccounts(session)
            current = self._locked(accounts, client_id)
            if not current.active:
                raise PreconditionFailed(f"service account {client_id} is disabled")
            accounts.set_secret_hash(client_id, hash_secret(secret), now)
            self._audit(
                session, actor, "service_account.secret_rotated", client_id, current, current
            )
            session.commit()
        return IssuedSecret(self.get(client_id), secret)

    @staticmethod
    def _locked(accounts: SqlServiceAccounts, client_id: str) -> ServiceAccount:
        account = accounts.get(client_id, lock=True)
        if account is None:
            raise NotFound(f"service account {client_id} not found")
        return account

    def _audit(
        self,
        session: Any,
        actor: str,
        action: str,
        client_id: str,
        before: ServiceAccount | None,
        after: ServiceAccount,
    ) -> None:
        SqlDirectory(session).audit(
            at=self._clock.now(),
            actor=actor,
            action=action,
            entity_type=ENTITY,
            entity_id=client_id,
            before=_snapshot(before) if before else None,
            after=_snapshot(after),
        )


class ClientCredentials:
    """``POST /api/v1/auth/token``'s logic: check the client, choose the scope, sign.

    Refusals are :class:`TokenRequestRefused` (RFC 6749 §5.2); an unknown
    client, a wrong secret and a disabled account are one ``invalid_client``.
    Nothing is written either way.
    """

    def __init__(
        self, db: Database, signer: IdentitySigner, ttl_seconds: int = TOKEN_SECONDS
    ) -> None:
        self._db = db
        self._signer = signer
        self._ttl = ttl_seconds

    def issue(self, form: Mapping[str, Sequence[str]], authorization: str | None) -> IssuedToken:
        asked = token_request(form, authorization)
        with self._db.reading() as session:
            found = SqlServiceAccounts(session).with_secret_hash(asked.client_id)
        account, stored = found if found else (None, None)
        if not secret_matches(stored, asked.client_secret) or account is None or not account.active:
            raise TokenRequestRefused("invalid_client", "client authentication failed")
        scope = tuple(sorted(granted_scope(account.allowed_methods, asked.scope)))
        token = self._signer.sign(
            client_identity(account), CLIENT_AUDIENCE, self._ttl, extra=client_claims(scope)
        )
        return IssuedToken(access_token=token, expires_in=self._ttl, scope=scope)
