"""PDF text in Chinese that renders on any reader's machine.

:func:`cjk_font` registers (a subset of) WenQuanYi Micro Hei, a TrueType CJK
font shipped in the PyPI package ``paperang-p2-fonts-cjk``, and reportlab
embeds the glyphs used, so no Chinese font is needed where the PDF is read
nor installed where it is made. Without that package it falls back to
reportlab's CID font STSong-Light, which needs no font file on the server
but relies on the reader to supply a Chinese font.

A service that renders PDFs lists ``reportlab`` and ``paperang-p2-fonts-cjk``
in its own dependencies; shared itself does not need them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

EMBEDDED_FONT = "WenQuanYiMicroHei"
FALLBACK_FONT = "STSong-Light"


@cache
def cjk_font() -> str:
    """The registered font name to draw Chinese with (registered once per process)."""
    try:
        path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, str(path), subfontIndex=0))
        return EMBEDDED_FONT
    except (ModuleNotFoundError, OSError):
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        return FALLBACK_FONT


def wrap(text: str, width: float, size: float, font: str | None = None) -> list[str]:
    """``text`` cut into lines no wider than ``width`` points (character by
    character: Chinese has no spaces to break at)."""
    face = font or cjk_font()
    lines, current = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(current + ch, face, size) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines
