"""Encrypted storage of electronic copies (SPEC A-01, the seed's 电子档案加密存储).

Each copy is sealed with its own random 256-bit data key (AES-GCM, the
record id as associated data); the data key is wrapped with a master key
(AES-GCM too) whose id travels with the blob, so master keys can rotate
while old blobs stay readable. Destroying a copy deletes the ciphertext
and its wrapped key: without the key nothing is recoverable (A-06).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class IntegrityError(Exception):
    """A stored copy does not decrypt or does not match its SHA-256."""


@dataclass(frozen=True)
class SealedBlob:
    kek_id: str
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes
    sha256: str
    size: int


def parse_master_keys(spec: str) -> dict[str, bytes]:
    """``id:base64key,id2:base64key`` → keys; each key must be 32 bytes."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, _, encoded = part.partition(":")
        key = base64.b64decode(encoded)
        if not key_id or len(key) != 32:
            raise ValueError(f"master key {key_id!r} must be 32 bytes, base64")
        keys[key_id] = key
    return keys


def derived_master_key(secret: str) -> bytes:
    """A master key derived from the internal secret, for development and tests."""
    return HKDF(SHA256(), 32, salt=b"secretariat-archives", info=b"kek-v1").derive(secret.encode())


class Vault:
    def __init__(self, master_keys: dict[str, bytes], active_key_id: str) -> None:
        if active_key_id not in master_keys:
            raise ValueError(f"no master key {active_key_id!r}")
        self._keys = dict(master_keys)
        self._active = active_key_id

    def seal(self, record_id: str, content: bytes) -> SealedBlob:
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, content, record_id.encode())
        wrap_nonce = os.urandom(NONCE_BYTES)
        wrapped = wrap_nonce + AESGCM(self._keys[self._active]).encrypt(
            wrap_nonce, data_key, f"dek:{record_id}".encode()
        )
        return SealedBlob(
            kek_id=self._active,
            wrapped_key=wrapped,
            nonce=nonce,
            ciphertext=ciphertext,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
        )

    def open(self, record_id: str, blob: SealedBlob) -> bytes:
        """The plain content, after checking it against the stored SHA-256."""
        master = self._keys.get(blob.kek_id)
        if master is None:
            raise IntegrityError(f"the master key {blob.kek_id!r} is not configured")
        try:
            wrap_nonce, wrapped = blob.wrapped_key[:NONCE_BYTES], blob.wrapped_key[NONCE_BYTES:]
            data_key = AESGCM(master).decrypt(wrap_nonce, wrapped, f"dek:{record_id}".encode())
            content = AESGCM(data_key).decrypt(blob.nonce, blob.ciphertext, record_id.encode())
        except Exception as exc:
            raise IntegrityError("the stored copy does not decrypt: it was altered") from exc
        if hashlib.sha256(content).hexdigest() != blob.sha256:
            raise IntegrityError("the stored copy does not match its SHA-256")
        return content
