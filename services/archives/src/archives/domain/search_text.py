"""Highlighting of matched words in a title (SPEC A-02)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence


def highlight(title: str, words: Sequence[str]) -> tuple[str, list[str]]:
    """The HTML-escaped title with each matched word in <mark>…</mark>, and
    the words that matched (longest first wins where they overlap)."""
    found = [w for w in dict.fromkeys(words) if w and w in title]
    if not found:
        return html.escape(title), []
    pattern = re.compile("|".join(re.escape(w) for w in sorted(found, key=len, reverse=True)))
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(title):
        parts.append(html.escape(title[last : match.start()]))
        parts.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(html.escape(title[last:]))
    return "".join(parts), found
