"""The meetings process's settings: the common ones plus its own."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from secretariat_shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class MeetingsSettings(ServiceSettings):
    survey_secret: str = setting(
        "HMAC key that keeps one survey answer per person without names (M-07); "
        "empty: derived from the internal token secret",
        "",
    )
    public_url: str = setting(
        "the gateway's address as people reach it; the survey's QR code links there (M-07)",
        "http://localhost:8080",
    )


def survey_key(survey_secret: str, internal_token_secret: str) -> bytes:
    """SPEC M-07: the key of the respondents' keyed hashes.

    An explicit secret wins; otherwise it is derived from the internal token
    secret (itself required), so no deployment runs with a known key.
    Changing it lets the people who answered an open survey answer again.
    """
    if survey_secret:
        return survey_secret.encode()
    return hmac.new(
        internal_token_secret.encode(), b"secretariat.meetings.survey", hashlib.sha256
    ).digest()
