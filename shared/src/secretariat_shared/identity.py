"""Identity tokens (ENGINEERING rule 7).

The gateway signs with its Ed25519 private key; services hold only the
public key, so no service can mint a person's identity. Service-to-service
calls made without a person behind them (schedulers, consumers) carry a
token whose subject is ``service:<name>`` and which carries no roles. Each
service signs those with its own Ed25519 key (``SECRETARIAT_SERVICE_PRIVATE_KEY``,
issuer ``service:<name>``); a verifier holds every service's public key
(``SECRETARIAT_SERVICE_PUBLIC_KEYS``, a JSON object name → PEM) and accepts
a service token only from the key of the service it names, so one
compromised service cannot speak for another (issue 19). The gateway signs
its own service token with its identity key. Without service keys (an older
installation) service tokens are HS256 from the shared internal secret,
which every holder of that secret can mint; a verifier given service keys
refuses those.

Expiry is checked against the injected clock, not the wall clock, so the
movable test clock and tokens agree.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

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


def public_key_pem(private_pem: str) -> str:
    """The public key PEM of an Ed25519 private key PEM."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


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


SERVICE_ISSUER_PREFIX = "service:"


def service_token(service_name: str, secret: str, clock: Clock, ttl_seconds: int = 300) -> str:
    """An internal token naming ``service_name``: EdDSA when ``secret`` is the service's
    Ed25519 private key (PEM), else HS256 from the shared internal secret (legacy)."""
    now = clock.now()
    claims = {
        "sub": f"{SERVICE_ISSUER_PREFIX}{service_name}",
        "name": service_name,
        "kind": "service",
        "aud": SERVICE_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    if secret.lstrip().startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(secret.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("a service signing key must be an Ed25519 private key")
        claims["iss"] = f"{SERVICE_ISSUER_PREFIX}{service_name}"
        return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": claims["iss"]})
    return jwt.encode(claims, secret, algorithm="HS256")


def parse_service_keys(text: str) -> dict[str, str]:
    """``SECRETARIAT_SERVICE_PUBLIC_KEYS``: a JSON object, service name → public key PEM."""
    if not text.strip():
        return {}
    try:
        keys = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"service public keys are not a JSON object: {exc}") from exc
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise ValueError("service public keys must map each service name to a PEM")
    return keys


def service_signing_key(service_private_key: str, internal_secret: str) -> str:
    """What a service signs its internal tokens with: its own key, else the shared secret."""
    return service_private_key or internal_secret


def verifier_from_settings(
    public_pem: str, clock: Clock, internal_secret: str, service_public_keys: str
) -> IdentityVerifier:
    """With service keys, HS256 tokens from the shared secret are refused."""
    keys = parse_service_keys(service_public_keys)
    return IdentityVerifier(
        public_pem, clock, "" if keys else internal_secret, service_keys=keys or None
    )


class IdentityVerifier:
    def __init__(
        self,
        public_pem: str,
        clock: Clock,
        internal_secret: str = "",
        service_keys: Mapping[str, str] | None = None,
    ) -> None:
        self._public_key = serialization.load_pem_public_key(public_pem.encode())
        self._internal_secret = internal_secret
        self._service_keys: dict[str, Ed25519PublicKey] = {}
        for name, pem in (service_keys or {}).items():
            key = serialization.load_pem_public_key(pem.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"the public key of service {name} is not Ed25519")
            self._service_keys[name] = key
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
            if header.get("alg") == "EdDSA" and str(header.get("kid", "")).startswith(
                SERVICE_ISSUER_PREFIX
            ):
                claims = self._verify_service_signed(token, str(header["kid"]), audience, options)
            elif header.get("alg") == "EdDSA":
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

    def _verify_service_signed(
        self, token: str, issuer: str, audience: str, options: Mapping[str, bool]
    ) -> dict[str, Any]:
        """A token a service signed with its own key: it may name only that service."""
        name = issuer.removeprefix(SERVICE_ISSUER_PREFIX)
        key = self._service_keys.get(name)
        if key is None or audience != SERVICE_AUDIENCE:
            raise InvalidIdentity(f"no public key for service {name!r}")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            audience=SERVICE_AUDIENCE,
            issuer=issuer,
            options=dict(options),  # type: ignore[arg-type]
        )
        if claims.get("sub") != issuer or claims.get("kind") != "service":
            raise InvalidIdentity("a service token can only name the service that signed it")
        return claims

    def _check_time(self, claims: dict[str, Any]) -> None:
        now = self._clock.now()
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            raise InvalidIdentity("identity token has no expiry")
        if datetime.fromtimestamp(exp, tz=now.tzinfo) < now:
            raise InvalidIdentity("identity token expired")
