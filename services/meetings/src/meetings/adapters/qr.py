"""QR images of the survey's address (SPEC M-07), drawn by the ``qrcode`` package
as facilities draws its collection codes."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(payload: str, box_size: int = 8) -> bytes:
    image = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    image.add_data(payload)
    image.make(fit=True)
    buffer = io.BytesIO()
    image.make_image().save(buffer)
    return buffer.getvalue()
