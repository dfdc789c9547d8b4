"""Small real files of each recognisable type, made by the libraries that write them."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def image(kind: str) -> bytes:
    """A 4x4 image saved by Pillow in ``kind`` (PNG, JPEG, GIF, WEBP, TIFF)."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def opendocument(mime: str) -> bytes:
    """A minimal OpenDocument package: ``mimetype`` first and stored, as ODF requires."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), mime, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", "<manifest:manifest/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def plain_zip() -> bytes:
    """A ZIP that is not an OpenDocument (a DOCX starts like this)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()
