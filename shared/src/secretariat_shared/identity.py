"""Identity tokens (ENGINEERING rule 7).

The gateway signs with its Ed25519 private key; services hold only the
public key, so no service can mint a person's identity. Service-to-service
calls made without a person behind them (schedulers, consumers) carry an
HS256 token from the shared internal secret whose subject is
``service:<name>`` and which carries no roles.

Expiry is checked against the injected clock, not the wall clock, so the
movable test clock and tokens agree.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secretariat_shared.clock import Clock

ISSUER = "secretariat-gateway"
ACCESS_AUDIENCE = "secretariat-api"
SERVICE_AUDIENCE = "secretariat-services"
METADATA_KEY = "x-secretariat-identity"


class InvalidIdentity(Exception):
    """The token is missing, forged, expired or meant for someone else."""


@dataclass(frozen=True)
class Identity:
    username: str
    name: str = ""
    department_code: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    headed_departments: frozenset[str] = field(default_factory=frozenset)
    kind: str = "user"
    supervised_departments: frozenset[str] = field(default_factory=frozenset)
    """Departments whose supervising leader (分管领导) this person is (X-03)."""

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def is_department_head(self) -> bool:
        return bool(self.headed_departments)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.username,
            "name": self.name,
            "dept": self.department_code,
            "roles": sorted(self.roles),
            "heads": sorted(self.headed_departments),
            "supervises": sorted(self.supervised_departments),
            "kind": self.kind,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        try:
            return cls(
                username=str(claims["sub"]),
                name=str(claims.get("name", "")),
                department_code=str(claims.get("dept", "")),
                roles=frozenset(str(r) for r in claims.get("roles", [])),
                headed_departments=frozenset(str(d) for d in claims.get("heads", [])),
                kind=str(claims.get("kind", "user")),
                supervised_departments=frozenset(str(d) for d in claims.get("supervises", [])),
            )
        except (KeyError, TypeError) as exc:
            raise InvalidIdentity("token lacks a subject") from exc


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


class IdentitySigner:
    """Held by the gateway only."""

    def __init__(self, private_pem: str, clock: Clock) -> None:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the identity signing key must be an Ed25519 private key")
        self._key: Ed25519PrivateKey = key
        self._clock = clock
        self._reusable: dict[tuple[Identity, str, int], tuple[datetime, str]] = {}
        self._lock = threading.Lock()

    def sign(
        self,
        identity: Identity,
        audience: str,
        ttl_seconds: int,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed token; ``extra`` claims (e.g. the gateway's token version) ride along."""
        now = self._clock.now()
        claims = dict(extra or {})
        claims.update(identity.claims())
        claims.update(
            {
                "iss": ISSUER,
                "aud": audience,
                "iat": int(now.timestamp()),
                "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
            }
        )
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def sign_reusable(self, identity: Identity, audience: str, ttl_seconds: int) -> str:
        """A token for ``identity`` reused until half its lifetime has passed.

        Forwarding the caller on every gateway request would otherwise sign a
        new token each time; reuse also lets services hit their verify cache.
        """
        key = (identity, audience, ttl_seconds)
        now = self._clock.now()
        with self._lock:
            hit = self._reusable.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        token = self.sign(identity, audience, ttl_seconds)
        with self._lock:
            if len(self._reusable) > 4096:
                self._reusable.clear()
            self._reusable[key] = (now + timedelta(seconds=ttl_seconds / 2), token)
        return token


def service_token(service_name: str, secret: str, clock: Clock, ttl_seconds: int = 300) -> str:
    now = clock.now()
    claims = {
        "sub": f"service:{service_name}",
        "name": service_name,
        "kind": "service",
        "aud": SERVICE_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


class IdentityVerifier:
    def __init__(self, public_pem: str, clock: Clock, internal_secret: str = "") -> None:
        self._public_key = serialization.load_pem_public_key(public_pem.encode())
        self._internal_secret = internal_secret
        self._clock = clock
        self._verified: dict[tuple[str, str], tuple[dict[str, Any], Identity]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str | None, audience: str = SERVICE_AUDIENCE) -> Identity:
        """The identity a token proves; signature checks are cached, expiry never is."""
        return self.verify_claims(token, audience)[0]

    def verify_claims(
        self, token: str | None, audience: str = SERVICE_AUDIENCE
    ) -> tuple[Identity, Mapping[str, Any]]:
        """The identity a token proves and all its verified claims (do not mutate them)."""
        if not token:
            raise InvalidIdentity("no identity token")
        with self._lock:
            hit = self._verified.get((token, audience))
        if hit is not None:
            self._check_time(hit[0])
            return hit[1], hit[0]
        claims = self._verify_signature(token, audience)
        self._check_time(claims)
        identity = Identity.from_claims(claims)
        with self._lock:
            if len(self._verified) > 8192:
                self._verified.clear()
            self._verified[(token, audience)] = (claims, identity)
        return identity, claims

    def _verify_signature(self, token: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidIdentity("malformed identity token") from exc
        options = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
        try:
            if header.get("alg") == "EdDSA":
                claims = jwt.decode(
                    token,
                    self._public_key,  # type: ignore[arg-type]
                    algorithms=["EdDSA"],
                    audience=audience,
                    issuer=ISSUER,
                    options=options,  # type: ignore[arg-type]
                )
            elif (
                header.get("alg") == "HS256"
                and self._internal_secret
                and audience == SERVICE_AUDIENCE
            ):
                claims = jwt.decode(
                    token,
                    self._internal_secret,
                    algorithms=["HS256"],
                    audience=SERVICE_AUDIENCE,
                    options=options,  # type: ignore[arg-type]
                )
                if claims.get("kind") != "service":
                    raise InvalidIdentity("an internal token can only name a service")
            else:
                raise InvalidIdentity("identity token signed with an unaccepted algorithm")
        except jwt.PyJWTError as exc:
            raise InvalidIdentity(f"identity token rejected: {exc}") from exc
        return claims

    def _check_time(self, claims: dict[str, Any]) -> None:
        now = self._clock.now()
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            raise InvalidIdentity("identity token has no expiry")
        if datetime.fromtimestamp(exp, tz=now.tzinfo) < now:
            raise InvalidIdentity("identity token expired")
