"""Service accounts (issue 19): internal systems an administrator lets call
named gRPC methods of the platform, and the OAuth 2 client-credentials rules
(RFC 6749 §4.4, errors §5.2) by which they get a token.

Plain Python: the grants' vocabulary and what a method is come from
:mod:`secretariat_shared.grpc_clients`, the one rule every service enforces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote_plus

from secretariat_shared.errors import FieldError, ValidationFailed
from secretariat_shared.grpc_clients import covers, unknown_grant

CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
MAX_LABEL = 100
MAX_GRANTS = 100
MAX_SECRET = 200
CLIENT_CREDENTIALS = "client_credentials"
_HASH_PREFIX = "sha256:"


@dataclass(frozen=True)
class ServiceAccount:
    client_id: str
    name: str
    """Display name (中文标签), e.g. "档案同步程序"."""
    allowed_methods: tuple[str, ...]
    created_by: str
    active: bool = True
    created_at: datetime | None = None
    secret_rotated_at: datetime | None = None


def new_secret() -> str:
    """A client secret: 256 random bits, shown once."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The stored form of a secret. A generated secret has 256 random bits, so a
    plain SHA-256 resists guessing as well as argon2 would, and checking it costs
    nothing: the token endpoint cannot be used to burn the gateway's CPU."""
    return _HASH_PREFIX + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(stored: str | None, secret: str) -> bool:
    """Constant-time comparison; an unknown client compares against nothing equal."""
    expected = stored or _HASH_PREFIX + "0" * 64
    return hmac.compare_digest(expected.encode(), hash_secret(secret).encode()) and bool(stored)


def check_service_account(account: ServiceAccount) -> ServiceAccount:
    """A new account with its methods de-duplicated; every field error at once."""
    found: list[FieldError] = []
    if not CLIENT_ID.fullmatch(account.client_id):
        found.append(
            FieldError(
                "client_id",
                "must be 3 to 64 lowercase letters, digits, '.', '_' or '-', starting with a "
                "letter or digit",
            )
        )
    name = account.name.strip()
    if not name:
        found.append(FieldError("name", "is required"))
    elif len(name) > MAX_LABEL:
        found.append(FieldError("name", f"must be at most {MAX_LABEL} characters"))
    methods = tuple(dict.fromkeys(m.strip() for m in account.allowed_methods))
    if not methods:
        found.append(FieldError("allowed_methods", "name at least one method"))
    elif len(methods) > MAX_GRANTS:
        found.append(FieldError("allowed_methods", f"must be at most {MAX_GRANTS} methods"))
    for index, method in enumerate(methods):
        problem = unknown_grant(method)
        if problem:
            found.append(FieldError(f"allowed_methods[{index}]", problem))
    if found:
        raise ValidationFailed(found)
    return ServiceAccount(
        client_id=account.client_id,
        name=name,
        allowed_methods=methods,
        created_by=account.created_by,
        active=account.active,
    )


# --- RFC 6749 §4.4 token requests ---------------------------------------------


class TokenRequestRefused(Exception):
    """An RFC 6749 §5.2 error: ``error`` is the code, ``description`` ASCII text."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    @property
    def status(self) -> int:
        return 401 if self.error == "invalid_client" else 400


@dataclass(frozen=True)
class TokenRequest:
    client_id: str
    client_secret: str
    scope: tuple[str, ...] | None
    """The methods asked for; None: every method the account is allowed."""
    basic: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)


def _basic(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: client id and secret form-encoded, then HTTP Basic."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TokenRequestRefused("invalid_client", "malformed Basic credentials") from exc
    client_id, colon, secret = text.partition(":")
    if not colon:
        raise TokenRequestRefused("invalid_client", "malformed Basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


def token_request(form: Mapping[str, Sequence[str]], authorization: str | None) -> TokenRequest:
    """The request of a form body (each name → its values) and Authorization header."""
    repeated = sorted(name for name, values in form.items() if len(values) > 1)
    if repeated:
        raise TokenRequestRefused("invalid_request", f"repeated parameter {repeated[0]}")
    values = {name: items[0] for name, items in form.items() if items}
    grant_type = values.get("grant_type", "")
    if not grant_type:
        raise TokenRequestRefused("invalid_request", "grant_type is required")
    if grant_type != CLIENT_CREDENTIALS:
        raise TokenRequestRefused(
            "unsupported_grant_type", "only grant_type=client_credentials is supported"
        )
    basic = _basic(authorization)
    in_form = "client_id" in values or "client_secret" in values
    if basic and in_form:
        raise TokenRequestRefused(
            "invalid_request", "send the client credentials either in the body or with Basic"
        )
    client_id, secret = basic or (values.get("client_id", ""), values.get("client_secret", ""))
    if not client_id or not secret:
        raise TokenRequestRefused("invalid_client", "client_id and client_secret are required")
    if len(client_id) > 64 or len(secret) > MAX_SECRET:
        raise TokenRequestRefused("invalid_client", "client authentication failed")
    scope = values.get("scope")
    asked = tuple(dict.fromkeys(scope.split())) if scope is not None else None
    if asked is not None and not asked:
        raise TokenRequestRefused("invalid_scope", "scope is empty")
    return TokenRequest(client_id, secret, asked, basic=basic is not None)


def granted_scope(allowed: Iterable[str], asked: tuple[str, ...] | None) -> tuple[str, ...]:
    """The methods a token will name: all allowed, or the asked ones when each is
    within the allowed (RFC 6749 §3.3); anything else is ``invalid_scope``."""
    allowed = tuple(allowed)
    if asked is None:
        return allowed
    outside = [item for item in asked if not any(covers(grant, item) for grant in allowed)]
    if outside:
        raise TokenRequestRefused("invalid_scope", f"not allowed: {_ascii(outside[0])}")
    return asked


def _ascii(text: str) -> str:
    """RFC 6749 §5.2 allows only printable ASCII without quote or backslash."""
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '"\\' else "?" for c in text)[:100]
