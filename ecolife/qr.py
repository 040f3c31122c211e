"""Render QR codes (error correction M, black on white) as images and PNG bytes."""

from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def qr_image(data: str, *, box_size: int = 10, border: int = 4) -> Image.Image:
    """Return a black-on-white QR code of data as a mode "L" image."""
    if box_size < 1 or border < 0:
        raise ValueError("box_size must be >= 1 and border >= 0")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("L")


def qr_png(data: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """Return a QR code of data as PNG bytes."""
    buffer = io.BytesIO()
    qr_image(data, box_size=box_size, border=border).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
