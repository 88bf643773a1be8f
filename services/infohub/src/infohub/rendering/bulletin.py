"""The Daily Information Bulletin as a web page and a PDF (SPEC I-02).

The PDF embeds its Chinese font (``secretariat_shared.pdf``), so it renders
on a reader's machine without any Chinese font installed.
"""

from __future__ import annotations

import base64
import html
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from infohub.domain.bulletin import Entry
from infohub.rendering.chart import trend_png
from secretariat_shared.pdf import cjk_font, wrap

FONT = cjk_font()


def _figure_line(entry: Entry) -> list[str]:
    return [
        f"{f.label}：{f.value}{f.unit}（来源：{f.source}；口径：{f.basis}）" for f in entry.figures
    ]


def bulletin_html(issue: str, entries: list[Entry]) -> bytes:
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>每日信息专报 {html.escape(issue)}</title></head><body>",
        f"<h1>每日信息专报</h1><p>{html.escape(issue)}</p>",
    ]
    if not entries:
        parts.append("<p>本期无信息。</p>")
    for n, e in enumerate(entries, 1):
        parts.append(f"<article id='{html.escape(e.item_id)}'><h2>{n}. {html.escape(e.title)}</h2>")
        parts.append(f"<p class='lead'>{html.escape(e.lead)}</p>")
        if e.core_points:
            parts.append(f"<p class='core'>{html.escape(e.core_points)}</p>")
        for line in _figure_line(e):
            parts.append(f"<p class='figure'>{html.escape(line)}</p>")
        if e.trend:
            png = base64.b64encode(trend_png(e.trend)).decode()
            parts.append(f"<img alt='趋势图' src='data:image/png;base64,{png}'>")
        parts.append(f"<p class='source'>来源：{html.escape(e.source)}</p></article>")
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


def bulletin_pdf(issue: str, entries: list[Entry]) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page_width, page_height = A4
    margin = 56
    width = page_width - 2 * margin
    y = page_height - margin

    def line(text: str, size: int, gap: float = 6) -> None:
        nonlocal y
        for chunk in wrap(text, width, size, FONT) or [""]:
            if y < margin + size:
                page.showPage()
                y = page_height - margin
            page.setFont(FONT, size)
            page.drawString(margin, y - size, chunk)
            y -= size + gap

    page.setTitle(f"每日信息专报 {issue}")
    line("每日信息专报", 22, 10)
    line(issue, 12, 14)
    if not entries:
        line("本期无信息。", 12)
    for n, e in enumerate(entries, 1):
        line(f"{n}. {e.title}", 15, 8)
        line(e.lead, 11)
        if e.core_points:
            line(e.core_points, 11)
        for text in _figure_line(e):
            line(text, 10)
        if e.trend:
            chart = ImageReader(io.BytesIO(trend_png(e.trend)))
            if y < margin + 130:
                page.showPage()
                y = page_height - margin
            page.drawImage(chart, margin, y - 120, width=240, height=120)
            y -= 130
        line(f"来源：{e.source}", 9, 12)
    page.showPage()
    page.save()
    return out.getvalue()
