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


def query_terms(query: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each query word with its sub-words: a word matches where it was indexed
    whole or where all its sub-words were (会议纪要 finds 办公会议纪要, which
    the index holds as 办公会议, 会议, 纪要)."""
    terms = []
    for word in query_words(query):
        parts = tuple(
            t.lower() for t in rjieba.cut_for_search(word) if _keep(t) and t.lower() != word
        )
        terms.append((word, parts))
    return terms
