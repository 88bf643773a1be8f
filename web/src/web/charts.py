"""Charts drawn on the server as SVG (no chart library, no script)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # a share, 0..1
    caption: str


def share_chart(
    bars: list[Bar], target: float, title: str, target_label: str, ident: str = "chart"
) -> Markup:
    """Vertical bars of overdue shares with the target as a dashed line."""
    width, height, left, bottom, top = 560, 240, 44, 36, 16
    plot_h = height - bottom - top
    ceiling = max([target * 2, 0.1, *(b.value for b in bars)])
    step = (width - left - 8) / max(len(bars), 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - value / ceiling)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">'
        + escape("; ".join(f"{b.label}: {b.caption}" for b in bars))
        + "</desc>",
    ]
    for tick in (0.0, ceiling / 2, ceiling):
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{tick:.0%}</text>'
        )
    for index, bar in enumerate(bars):
        x = left + index * step + step * 0.2
        w = step * 0.6
        over = bar.value > target
        parts.append(
            f'<rect x="{x:.1f}" y="{y(bar.value):.1f}" width="{w:.1f}" height="{y(0) - y(bar.value):.1f}" class="bar{" over" if over else ""}"/>'
            f'<text x="{x + w / 2:.1f}" y="{y(bar.value) - 4:.1f}" text-anchor="middle" class="value">{escape(bar.caption)}</text>'
            f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="axis">{escape(bar.label)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width - 8}" y1="{y(target):.1f}" y2="{y(target):.1f}" class="target"/>'
        f'<text x="{width - 10}" y="{y(target) - 4:.1f}" text-anchor="end" class="target-label">{escape(target_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped
