"""Internal systems calling the services over gRPC (issue 19): the one rule of
what a service-account token may call, read by the Directory (which methods an
administrator may grant, which a token request may ask for) and by every
service's interceptor (which calls a token admits).

An administrator creates a service account in the organisation directory and
grants it methods, each ``package.Service/Method`` or a whole service
``package.Service/*``. The system exchanges its client id and secret at the
gateway (``POST /api/v1/auth/token``, OAuth 2 client credentials) for a
short-lived token the gateway signs with its identity key, audience
:data:`CLIENT_AUDIENCE`, kind :data:`CLIENT_KIND`, the granted methods in the
:data:`METHODS_CLAIM` claim. The system sends it as ``authorization: Bearer …``
metadata straight to a service's gRPC port.

Such a token is never a person's access token (its audience is not the HTTP
API's) nor a gateway-forwarded identity (not that audience either). Under
X-03 its holder is nobody in particular: no department, no roles, no
headships, named on nothing, so it reads what every member of the
organisation may read (``public`` items) and nothing more; writes that need
a role are refused as for any person without it.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Iterable, Mapping
from typing import Any

from secretariat_shared.errors import PermissionDenied
from secretariat_shared.identity import Identity, IdentityVerifier, InvalidIdentity

CLIENT_AUDIENCE = "secretariat-grpc"
CLIENT_KIND = "client"
CLIENT_SUBJECT_PREFIX = "client:"
METHODS_CLAIM = "methods"
AUTHORIZATION_METADATA = "authorization"
TOKEN_SECONDS = 600
"""Lifetime of a client token: disabling an account or rotating its secret stops
new tokens at once; the ones already issued run out within this time."""

WHOLE_SERVICE = "*"
_PATTERN = re.compile(
    r"^([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*\.[A-Z][A-Za-z0-9]*)/(\*|[A-Z][A-Za-z0-9]*)$"
)


def split_pattern(pattern: str) -> tuple[str, str] | None:
    """``("pkg.Service", "Method" or "*")`` of a grant, None when it is not one."""
    found = _PATTERN.match(pattern)
    if found is None:
        return None
    return found.group(1), found.group(2)


def covers(grant: str, requested: str) -> bool:
    """Whether ``grant`` includes ``requested`` (a method or a whole service)."""
    if grant == requested:
        return True
    service, method = split_pattern(grant) or ("", "")
    asked = split_pattern(requested)
    return method == WHOLE_SERVICE and asked is not None and asked[0] == service


def method_granted(grants: Iterable[str], method_path: str) -> bool:
    """Whether a call of ``/pkg.Service/Method`` is among ``grants``."""
    method = method_path.lstrip("/")
    return any(covers(grant, method) for grant in grants)


def grants_on(grants: Iterable[str], service_names: Iterable[str]) -> bool:
    """Whether ``grants`` name any method of the given services (reflection's gate)."""
    services = set(service_names)
    return any((split_pattern(g) or ("", ""))[0] in services for g in grants)


@functools.cache
def known_methods() -> dict[str, frozenset[str]]:
    """Every gRPC service of the platform's contract and its methods, from the
    generated code (``protos/`` is the one source)."""
    import secretariat

    found: dict[str, frozenset[str]] = {}
    for module in pkgutil.walk_packages(secretariat.__path__, "secretariat."):
        if not module.name.endswith("_pb2"):
            continue
        descriptor = importlib.import_module(module.name).DESCRIPTOR
        for service in descriptor.services_by_name.values():
            found[service.full_name] = frozenset(m.name for m in service.methods)
    return found


def unknown_grant(pattern: str) -> str | None:
    """Why ``pattern`` cannot be granted, or None when it names a real method or service."""
    parts = split_pattern(pattern)
    if parts is None:
        return "must be package.Service/Method or package.Service/*"
    service, method = parts
    methods = known_methods().get(service)
    if methods is None:
        return f"no service {service}"
    if method != WHOLE_SERVICE and method not in methods:
        return f"{service} has no method {method}"
    return None


def bearer(value: str | None) -> str | None:
    """The token of an ``authorization: Bearer …`` value."""
    scheme, _, token = (value or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def verify_client(
    verifier: IdentityVerifier, authorization: str | None
) -> tuple[Identity, tuple[str, ...]]:
    """The service account behind a client token and the methods it grants."""
    identity, claims = verifier.verify_claims(bearer(authorization), audience=CLIENT_AUDIENCE)
    grants = claims.get(METHODS_CLAIM)
    if identity.kind != CLIENT_KIND or not isinstance(grants, list):
        raise InvalidIdentity("not a client token")
    return identity, tuple(str(g) for g in grants)


def check_granted(grants: Iterable[str], method_path: str) -> None:
    """PERMISSION_DENIED for a method the token does not name."""
    if not method_granted(grants, method_path):
        method = method_path.lstrip("/")
        raise PermissionDenied(f"This service account may not call {method}.")


def client_claims(grants: Iterable[str]) -> Mapping[str, Any]:
    """The extra claims of a client token."""
    return {METHODS_CLAIM: sorted(grants)}
