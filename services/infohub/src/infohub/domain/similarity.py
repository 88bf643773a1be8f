"""Near-duplicate detection over segmented Chinese text (SPEC I-03 screen).

SimHash of jieba tokens: two texts whose 64-bit fingerprints differ in at
most ``max_distance`` bits are near-duplicates.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache

_PUNCTUATION = set("，。、；：？！“”‘’（）《》【】…—,.;:?!()[]\"' \t\n")


@cache
def _segmenter() -> Callable[[str], list[str]]:
    """rjieba, the Rust port of jieba: the same dictionary and tokens, about 30 MB
    where Python's jieba builds 60 MB of objects and spends a second doing it.
    Loaded on the first text screened, so a process that screens none never
    holds the dictionary."""
    import rjieba

    cut: Callable[[str], list[str]] = rjieba.cut
    return cut


def tokens(text: str) -> list[str]:
    return [t for t in _segmenter()(text) if t.strip() and t not in _PUNCTUATION]


def simhash(text: str) -> int:
    weights = [0] * 64
    for token, count in Counter(tokens(text)).items():
        h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += count if h >> bit & 1 else -count
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def near_duplicates(
    fingerprint: int, others: Iterable[tuple[str, int]], max_distance: int = 12
) -> list[str]:
    """Ids of ``others`` (id, fingerprint) within ``max_distance`` bits."""
    return [item_id for item_id, other in others if distance(fingerprint, other) <= max_distance]
