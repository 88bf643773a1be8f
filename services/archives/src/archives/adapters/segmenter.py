"""Chinese word segmentation for full-text search (SPEC A-02), by rjieba.

Index time uses the search mode (long words and their sub-words:
年终总结 → 年终, 总结, 年终总结) so a two-character keyword finds longer
words; query time uses the precise mode and every word must match.
"""

from __future__ import annotations

import re

import rjieba

_WORD = re.compile(r"\w", re.UNICODE)


def _keep(token: str) -> bool:
    return bool(token.strip()) and bool(_WORD.search(token))


def index_tokens(*texts: str) -> str:
    """Space-separated tokens of the texts, lower-cased, for the index."""
    tokens: list[str] = []
    for text in texts:
        tokens.extend(t.lower() for t in rjieba.cut_for_search(text) if _keep(t))
    return " ".join(tokens)


def query_words(query: str) -> list[str]:
    """The words of a keyword query, in order, without repeats."""
    words = [t.lower() for t in rjieba.cut(query) if _keep(t)]
    return list(dict.fromkeys(words))
