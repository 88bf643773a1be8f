"""Issue 19 (ENGINEERING rule 7): each service signs its service tokens with its own
Ed25519 key; a verifier holding only public keys accepts a service token only from the
key of the service it names, and refuses tokens minted from the shared internal secret."""

from __future__ import annotations

import json

import pytest

from secretariat_shared.clock import ManualClock
from secretariat_shared.identity import (
    SERVICE_AUDIENCE,
    Identity,
    IdentitySigner,
    InvalidIdentity,
    generate_keypair,
    parse_service_keys,
    public_key_pem,
    service_signing_key,
    service_token,
    verifier_from_settings,
)

pytestmark = pytest.mark.unit

GATEWAY_PRIVATE, GATEWAY_PUBLIC = generate_keypair()
DOCUMENTS_PRIVATE, DOCUMENTS_PUBLIC = generate_keypair()
FACILITIES_PRIVATE, FACILITIES_PUBLIC = generate_keypair()
SERVICE_KEYS = json.dumps({"documents": DOCUMENTS_PUBLIC, "facilities": FACILITIES_PUBLIC})
INTERNAL = "a-shared-internal-secret-of-enough-length-0123456789"


def verifier(clock: ManualClock, keys: str = SERVICE_KEYS):  # type: ignore[no-untyped-def]
    return verifier_from_settings(GATEWAY_PUBLIC, clock, INTERNAL, keys)


def test_issue19_a_service_token_signed_with_the_services_own_key_names_it() -> None:
    clock = ManualClock()
    token = service_token("facilities", FACILITIES_PRIVATE, clock)
    identity = verifier(clock).verify(token)
    assert identity.username == "service:facilities"
    assert identity.is_service
    assert not identity.roles


def test_issue19_one_service_cannot_mint_a_token_for_another() -> None:
    clock = ManualClock()
    forged = service_token("documents", FACILITIES_PRIVATE, clock)
    with pytest.raises(InvalidIdentity):
        verifier(clock).verify(forged)


def test_issue19_the_shared_internal_secret_no_longer_mints_service_tokens() -> None:
    clock = ManualClock()
    legacy = service_token("documents", INTERNAL, clock)
    with pytest.raises(InvalidIdentity):
        verifier(clock).verify(legacy)
    # Without service keys (an installation not yet given them) the old tokens still work.
    assert verifier(clock, keys="").verify(legacy).username == "service:documents"


def test_issue19_an_unknown_service_or_a_person_audience_is_refused() -> None:
    clock = ManualClock()
    stranger_private, _ = generate_keypair()
    with pytest.raises(InvalidIdentity):
        verifier(clock).verify(service_token("archives", stranger_private, clock))
    token = service_token("documents", DOCUMENTS_PRIVATE, clock)
    with pytest.raises(InvalidIdentity):
        verifier(clock).verify(token, audience="secretariat-api")


def test_issue19_service_tokens_expire_by_the_injected_clock() -> None:
    clock = ManualClock()
    token = service_token("documents", DOCUMENTS_PRIVATE, clock, ttl_seconds=60)
    clock.advance(61)
    with pytest.raises(InvalidIdentity, match="expired"):
        verifier(clock).verify(token)


def test_issue19_the_gateway_signs_its_own_service_token_with_its_identity_key() -> None:
    clock = ManualClock()
    signer = IdentitySigner(GATEWAY_PRIVATE, clock)
    gateway = Identity(username="service:gateway", name="gateway", kind="service")
    token = signer.sign(gateway, SERVICE_AUDIENCE, 300)
    assert verifier(clock).verify(token).username == "service:gateway"


def test_issue19_keys_and_settings_helpers() -> None:
    assert public_key_pem(DOCUMENTS_PRIVATE) == DOCUMENTS_PUBLIC
    assert parse_service_keys("") == {}
    assert parse_service_keys(SERVICE_KEYS)["documents"] == DOCUMENTS_PUBLIC
    with pytest.raises(ValueError, match="JSON"):
        parse_service_keys("documents=abc")
    assert service_signing_key(DOCUMENTS_PRIVATE, INTERNAL) == DOCUMENTS_PRIVATE
    assert service_signing_key("", INTERNAL) == INTERNAL
