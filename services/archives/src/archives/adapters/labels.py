"""The stock-take label sheet (SPEC A-05): a PNG grid with one QR code and
the record number under it per paper record, drawn with ``qrcode`` and Pillow."""

from __future__ import annotations

import io
from collections.abc import Sequence

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M

COLUMNS = 4
CELL = 220
QR = 180


def label_text(record_id: str) -> str:
    return f"ARCH:{record_id}"


def label_sheet(labels: Sequence[tuple[str, str]]) -> bytes:
    """PNG of (QR payload, caption) labels, four to a row."""
    rows = max(1, -(-len(labels) // COLUMNS))
    sheet = Image.new("RGB", (COLUMNS * CELL, rows * CELL), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (payload, caption) in enumerate(labels):
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=2)
        code.add_data(payload)
        code.make(fit=True)
        image = code.make_image().get_image().convert("RGB").resize((QR, QR))
        x, y = (index % COLUMNS) * CELL, (index // COLUMNS) * CELL
        sheet.paste(image, (x + (CELL - QR) // 2, y + 4))
        draw.text((x + 10, y + QR + 10), caption[:34], fill="black")
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()
