"""Re-verification of a sealed approval file (SPEC D-09) kept as a record's copy.

The file is canonical JSON ``{"sealed": content, "seal": {...}}``; the seal's
signature (Ed25519) covers the SHA-256 of the canonical content. We keep the
hash and the public key the documents service gave us and check both again.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def seal_intact(file: bytes, content_sha256: str, signature_b64: str, public_key_pem: str) -> bool:
    """True if the file's content still hashes to ``content_sha256`` and the
    signature over that hash verifies with the kept public key."""
    try:
        parsed = json.loads(file.decode("utf-8"))
        digest = hashlib.sha256(canonical_json(parsed["sealed"])).digest()
    except (ValueError, KeyError, TypeError):
        return False
    if digest.hex() != content_sha256:
        return False
    if not signature_b64 or not public_key_pem:
        return True
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            return False
        key.verify(base64.b64decode(signature_b64), digest)
    except (InvalidSignature, ValueError):
        return False
    return True
