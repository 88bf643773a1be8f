"""Succession rules (SPEC C-08): successors ranked by readiness; a key
post without a successor ready within a year is flagged."""

from __future__ import annotations

from dataclasses import dataclass

READINESS: tuple[str, ...] = ("ready_now", "one_year", "two_years")
READY = frozenset({"ready_now", "one_year"})


@dataclass(frozen=True)
class Successor:
    username: str
    readiness: str


class SuccessorIsHolder(ValueError):
    pass


def ranked(holder: str, successors: list[Successor]) -> list[Successor]:
    """Most ready first, keeping the given order within a readiness; the
    holder cannot succeed themselves and nobody is named twice."""
    seen: set[str] = set()
    for s in successors:
        if s.username == holder:
            raise SuccessorIsHolder(s.username)
        if s.username in seen:
            raise ValueError(f"{s.username} is named twice")
        if s.readiness not in READINESS:
            raise ValueError(f"unknown readiness {s.readiness}")
        seen.add(s.username)
    return sorted(successors, key=lambda s: READINESS.index(s.readiness))


def flagged(successors: list[Successor]) -> bool:
    return not any(s.readiness in READY for s in successors)
