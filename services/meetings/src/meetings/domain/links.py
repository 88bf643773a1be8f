"""What a meeting's video link may be (SPEC M-01, issue 13).

A link ends up in notices, in iCalendar ``URL``/``LOCATION`` properties and
in calendar clients that open it: it must be a plain http(s) URL with a
host, and nothing a line-based format could be split on.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_VIDEO_LINK = 500
VIDEO_LINK_RULE = (
    "must be an http(s) URL of at most 500 characters, without spaces or control characters"
)


def video_link_problem(link: str) -> str | None:
    """Why ``link`` cannot be a meeting's video link, or None when it can (empty is fine)."""
    if not link:
        return None
    if len(link) > MAX_VIDEO_LINK or any(_unsafe(char) for char in link):
        return VIDEO_LINK_RULE
    try:
        parts = urlsplit(link)
    except ValueError:
        return VIDEO_LINK_RULE
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return VIDEO_LINK_RULE
    return None


def _unsafe(char: str) -> bool:
    """Whitespace, controls (C0, DEL, C1), line/paragraph separators and lone surrogates."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")
