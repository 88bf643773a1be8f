"""The talent review's nine-box grid (SPEC C-07) and its picture.

Results (from the annual grade) run left to right, potential bottom to
top, each 1..3. Boxes are numbered 1..9 row by row from the top left
(high potential, low results) to the bottom right. Tiers: core (high on
both axes or top right three), backbone (the middle), base (the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

TIERS = {"core": "核心人才", "backbone": "骨干人才", "base": "基础人才"}
BOX_NAMES = {
    1: "潜力股",
    2: "明日之星",
    3: "超级明星",
    4: "待发展",
    5: "中坚力量",
    6: "绩效之星",
    7: "问题员工",
    8: "基本胜任",
    9: "专业骨干",
}


def results_from_grade(grade: str | None) -> int:
    return {"excellent": 3, "good": 2}.get(grade or "", 1)


def box(results: int, potential: int) -> int:
    if not (1 <= results <= 3 and 1 <= potential <= 3):
        raise ValueError("results and potential are 1..3")
    return (3 - potential) * 3 + results


def tier(results: int, potential: int) -> str:
    total = results + potential
    if total >= 5:
        return "core"
    if total == 4:
        return "backbone"
    return "base"


@dataclass(frozen=True)
class Dot:
    box: int
    name: str | None


CELL = 200
MARGIN = 60


def grid_svg(year: int, dots: list[Dot]) -> str:
    """An SVG of the grid: each box with its count and the visible names."""
    size = MARGIN + 3 * CELL + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 30}" '
        f'viewBox="0 0 {size} {size + 30}" font-family="sans-serif">',
        f"<title>{year}年度人才盘点九宫格</title>",
        f'<text x="{MARGIN}" y="24" font-size="18">{year}年度人才盘点（九宫格）</text>',
    ]
    for b in range(1, 10):
        row, col = (b - 1) // 3, (b - 1) % 3
        x, y = MARGIN + col * CELL, 40 + row * CELL
        in_box = [d for d in dots if d.box == b]
        named = sorted(d.name for d in in_box if d.name)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="#f5f7fa" stroke="#607080"/>'
        )
        parts.append(
            f'<text x="{x + 8}" y="{y + 20}" font-size="14">{b} {BOX_NAMES[b]} ({len(in_box)})</text>'
        )
        for i, name in enumerate(named[:8]):
            parts.append(
                f'<text x="{x + 12}" y="{y + 44 + i * 18}" font-size="13">{escape(name)}</text>'
            )
        if len(named) > 8:
            parts.append(f'<text x="{x + 12}" y="{y + 44 + 8 * 18}" font-size="13">…</text>')
    bottom = 40 + 3 * CELL
    parts.append(
        f'<text x="{MARGIN + 3 * CELL // 2}" y="{bottom + 24}" font-size="14" '
        f'text-anchor="middle">业绩 →</text>'
    )
    parts.append(
        f'<text x="20" y="{40 + 3 * CELL // 2}" font-size="14" '
        f'transform="rotate(-90 20 {40 + 3 * CELL // 2})" text-anchor="middle">潜力 →</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
