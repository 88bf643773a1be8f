"""The service's Ed25519 seal key (SPEC D-09).

The private key comes from ``SECRETARIAT_SEAL_PRIVATE_KEY`` (PEM). Each
seal stores the public key it was made with, so seals stay verifiable
after the key is rotated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from secretariat_shared.identity import generate_keypair

log = logging.getLogger(__name__)

SEAL_KEY_VARIABLE = "SECRETARIAT_SEAL_PRIVATE_KEY"


class SealSigner:
    def __init__(self, private_pem: str) -> None:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the seal key must be an Ed25519 private key")
        self._key = key
        public = key.public_key()
        self.public_key_pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]
        self.name = f"secretariat documents service (Ed25519 key {self.key_id})"

    @classmethod
    def ephemeral(cls) -> SealSigner:
        private_pem, _ = generate_keypair()
        return cls(private_pem)

    def sign(self, digest: bytes) -> str:
        return base64.b64encode(self._key.sign(digest)).decode()


def signature_valid(public_key_pem: str, digest: bytes, signature_b64: str) -> bool:
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        signature = base64.b64decode(signature_b64, validate=True)
    except (ValueError, binascii.Error):
        return False
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(signature, digest)
    except InvalidSignature:
        return False
    return True


def seal_signer_for(private_pem: str, allow_ephemeral: bool) -> SealSigner:
    """The configured key; an ephemeral one only in demo or testing mode (with a warning).

    A missing or unreadable key otherwise stops the process naming the variable.
    """
    if private_pem.strip():
        try:
            return SealSigner(private_pem)
        except (ValueError, TypeError) as exc:
            raise SystemExit(
                f"configuration error: {SEAL_KEY_VARIABLE} is not an Ed25519 private key PEM: {exc}"
            ) from exc
    if allow_ephemeral:
        log.warning(
            "%s is not set: sealing with an ephemeral key that changes at every restart "
            "(each seal keeps the public key it was made with)",
            SEAL_KEY_VARIABLE,
        )
        return SealSigner.ephemeral()
    raise SystemExit(
        f"configuration error: missing required environment variable {SEAL_KEY_VARIABLE} "
        "(PEM of the Ed25519 key that signs sealed approvals, SPEC D-09)"
    )
