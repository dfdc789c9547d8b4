"""QR codes for certificates, embedded in the HTML as PNG data URIs.

PNG rather than SVG so that the QR is one image object in the PDF: it renders the same in
every viewer and a test can find it with ``pdfimages``. The image has one pixel per module
and the template scales it up with ``image-rendering: pixelated``, which keeps it small and
its edges sharp.
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.constants
from PIL import Image

QUIET_ZONE = 4  # modules of white border the QR standard asks for


def qr_matrix(payload: str) -> list[list[bool]]:
    """Return the QR modules for ``payload`` (``True`` = dark), without the quiet zone.

    Error correction level M: survives a stain or a fold on a printed certificate.

    :param payload: the text to encode, usually the verification URL.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def qr_png(payload: str) -> bytes:
    """Return a PNG of the QR code: one gray pixel per module, quiet zone included.

    :param payload: the text to encode.
    """
    matrix = qr_matrix(payload)
    size = len(matrix) + 2 * QUIET_ZONE
    gray = bytearray(b"\xff" * (size * size))  # 8-bit gray, white everywhere
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                gray[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = 0
    image = Image.frombytes("L", (size, size), bytes(gray))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_data_uri(payload: str) -> str:
    """Return ``data:image/png;base64,…`` of :func:`qr_png`, ready for an ``<img src>``.

    :param payload: the text to encode.
    """
    return "data:image/png;base64," + base64.b64encode(qr_png(payload)).decode("ascii")
