"""The career-anchor assessment (Schein's eight anchors, SPEC C-03).

The questionnaire has 40 statements rated 1..6, five per anchor in the
order of :data:`ANCHORS`; an anchor's score is the mean of its five.
"""

from __future__ import annotations

from dataclasses import dataclass

ANCHORS: tuple[tuple[str, str], ...] = (
    ("TF", "技术/职能型"),
    ("GM", "管理型"),
    ("AU", "自主/独立型"),
    ("SE", "安全/稳定型"),
    ("EC", "创造/创业型"),
    ("SV", "服务/奉献型"),
    ("CH", "挑战型"),
    ("LS", "生活型"),
)
QUESTIONS_PER_ANCHOR = 5
QUESTIONS = len(ANCHORS) * QUESTIONS_PER_ANCHOR


@dataclass(frozen=True)
class AnchorScore:
    anchor: str
    name: str
    score: float


def score(answers: list[int]) -> list[AnchorScore]:
    """The eight anchors, highest first (ties in questionnaire order)."""
    if len(answers) != QUESTIONS:
        raise ValueError(f"the questionnaire has {QUESTIONS} answers, got {len(answers)}")
    if any(not 1 <= a <= 6 for a in answers):
        raise ValueError("every answer is 1..6")
    scores = [
        AnchorScore(
            code,
            name,
            round(
                sum(answers[i * QUESTIONS_PER_ANCHOR : (i + 1) * QUESTIONS_PER_ANCHOR])
                / QUESTIONS_PER_ANCHOR,
                2,
            ),
        )
        for i, (code, name) in enumerate(ANCHORS)
    ]
    return sorted(scores, key=lambda s: -s.score)
