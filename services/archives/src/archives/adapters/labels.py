"""The stock-take label sheet (SPEC A-05): one QR code per paper record with
its number, title and shelf location, as a PNG grid (``qrcode`` and Pillow)
or as A4 PDF pages to print on label paper (reportlab, the Chinese font
embedded by ``secretariat_shared.pdf`` so titles print on any machine)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from secretariat_shared.pdf import cjk_font, wrap

COLUMNS = 4
CELL = 220
QR = 180

PDF_COLUMNS = 3
PDF_ROWS = 7
PDF_MARGIN = 28.0
PDF_QR = 72.0


@dataclass(frozen=True)
class Label:
    payload: str
    """What the QR code holds (:func:`label_text`); scanning it checks the record."""
    number: str
    title: str = ""
    location: str = ""


def label_text(record_id: str) -> str:
    return f"ARCH:{record_id}"


def label_sheet(labels: Sequence[Label]) -> bytes:
    """PNG of the labels, four to a row, each QR code captioned with the number."""
    rows = max(1, -(-len(labels) // COLUMNS))
    sheet = Image.new("RGB", (COLUMNS * CELL, rows * CELL), "white")
    draw = ImageDraw.Draw(sheet)
    for index, label in enumerate(labels):
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=2)
        code.add_data(label.payload)
        code.make(fit=True)
        image = code.make_image().get_image().convert("RGB").resize((QR, QR))
        x, y = (index % COLUMNS) * CELL, (index // COLUMNS) * CELL
        sheet.paste(image, (x + (CELL - QR) // 2, y + 4))
        draw.text((x + 10, y + QR + 10), label.number[:34], fill="black")
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()


def _qr_drawing(payload: str, size: float) -> Drawing:
    widget = QrCodeWidget(payload, barLevel="M", barBorder=2)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def label_sheet_pdf(labels: Sequence[Label], heading: str = "") -> bytes:
    """A4 pages of 3 × 7 labels: a vector QR code beside the record's number,
    title (up to two lines) and shelf location."""
    font = cjk_font()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setTitle(heading or "档案盘点标签")
    width, height = A4
    cell_w = (width - 2 * PDF_MARGIN) / PDF_COLUMNS
    cell_h = (height - 2 * PDF_MARGIN) / PDF_ROWS
    text_w = cell_w - PDF_QR - 12
    per_page = PDF_COLUMNS * PDF_ROWS
    for index, label in enumerate(labels):
        if index and index % per_page == 0:
            page.showPage()
        slot = index % per_page
        x = PDF_MARGIN + (slot % PDF_COLUMNS) * cell_w
        top = height - PDF_MARGIN - (slot // PDF_COLUMNS) * cell_h
        page.setStrokeGray(0.75)
        page.rect(x, top - cell_h, cell_w, cell_h)
        renderPDF.draw(
            _qr_drawing(label.payload, PDF_QR), page, x + 4, top - cell_h / 2 - PDF_QR / 2
        )
        tx, ty = x + PDF_QR + 8, top - 18
        page.setFont(font, 9)
        page.drawString(tx, ty, label.number)
        page.setFont(font, 8)
        for line in wrap(label.title, text_w, 8, font)[:2]:
            ty -= 12
            page.drawString(tx, ty, line)
        if label.location:
            page.setFont(font, 7)
            page.drawString(tx, ty - 14, label.location)
    if not labels:
        page.setFont(font, 12)
        page.drawString(PDF_MARGIN, height - PDF_MARGIN - 12, "本次盘点没有纸质档案。")
    page.showPage()
    page.save()
    return out.getvalue()
