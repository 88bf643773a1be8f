"""Collection codes (SPEC F-05): the QR payload is the request id, an
expiry and an HMAC signature over both.

``FAC1.<requisition id>.<expiry, unix seconds>.<signature, base64url>``

Only the facilities service holds the key, so a code cannot be made up or
altered, and the expiry limits how long a printed or photographed code is
worth anything. That a code is used once is not the code's business: the
requisition is collected once, under a row lock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

PREFIX = "FAC1"


class CodeRejected(Exception):
    """The code is malformed, forged or expired; the message says which."""


class ForgedCode(CodeRejected):
    pass


class ExpiredCode(CodeRejected):
    pass


def _signature(key: bytes, requisition_id: str, expires: int) -> str:
    mac = hmac.new(key, f"{PREFIX}.{requisition_id}.{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def sign(key: bytes, requisition_id: str, expires_at: datetime) -> str:
    if not key:
        raise ValueError("the signing key is empty")
    if "." in requisition_id or not requisition_id:
        raise ValueError("a requisition id must be non-empty and hold no dots")
    expires = int(expires_at.timestamp())
    return f"{PREFIX}.{requisition_id}.{expires}.{_signature(key, requisition_id, expires)}"


def verify(key: bytes, code: str, now: datetime) -> str:
    """The requisition id the code was issued for; raises :class:`CodeRejected`."""
    parts = code.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1]:
        raise ForgedCode("not a collection code")
    _, requisition_id, expires_text, signature = parts
    if not expires_text.isdigit():
        raise ForgedCode("not a collection code")
    expires = int(expires_text)
    if not hmac.compare_digest(signature, _signature(key, requisition_id, expires)):
        raise ForgedCode("the code's signature does not match: it was not issued here")
    if datetime.fromtimestamp(expires, UTC) <= now:
        raise ExpiredCode("the code has expired; ask for a new one")
    return requisition_id
