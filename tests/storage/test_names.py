"""Display names, Content-Disposition headers and type detection by content."""

from __future__ import annotations

import unicodedata

import pytest
from werkzeug.http import parse_options_header

from storage.names import MAX_NAME_CHARS, content_disposition, safe_display_name
from storage.sniff import KNOWN_TYPES, allowed_labels, is_allowed, sniff, with_extension
from storage.uploads import MB, format_size
from tests.storage import samples


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("Resolución N° 12 — señalética.pdf", "Resolución N° 12 — señalética.pdf"),
        ("Resolucio\u0301n.pdf", "Resolución.pdf"),  # NFD from macOS becomes NFC
        ("informe\x00.pdf", "informe.pdf"),
        ("acta\r\nSet-Cookie: x.pdf", "acta Set-Cookie_ x.pdf"),
        ("foto\u202egnp.exe", "fotognp.exe"),  # a right-to-left override hid the real extension
        ("  mucho   espacio\t.pdf  ", "mucho espacio .pdf"),
        ('a"b<c>|d?.pdf', "a_b_c__d_.pdf"),
        (".htaccess", "htaccess"),
        ("nombre.", "nombre"),
    ],
)
def test_safe_display_name(raw: str, expected: str) -> None:
    assert safe_display_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "..", "../..", "/", "C:\\", "\x00\x01\u200b", None, 42, b"x.pdf"])
def test_safe_display_name_is_never_empty(raw: object) -> None:
    assert safe_display_name(raw) == "documento"


def test_safe_display_name_limits_length_and_keeps_the_extension() -> None:
    name = safe_display_name("ñ" * 300 + ".pdf")
    assert len(name) == MAX_NAME_CHARS
    assert name.endswith("ñ.pdf")
    assert len(safe_display_name("x" * 500)) == MAX_NAME_CHARS


def _parsed_filename(header: str) -> str | None:
    """The name a client that follows RFC 6266 (filename* first) reads; werkzeug's parser is one."""
    kind, params = parse_options_header(header)
    assert kind in ("attachment", "inline")
    return params.get("filename")


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("Habilitación comercial.pdf", "Habilitacion comercial.pdf"),
        ("plano.pdf", "plano.pdf"),
        ("año 2024 ñandú.png", "ano 2024 nandu.png"),
        ("証明書.pdf", "___.pdf"),
        ("100% \"legal\"; v2.pdf", "100% _legal_; v2.pdf"),
    ],
)
def test_content_disposition_has_ascii_fallback_and_utf8_name(name: str, fallback: str) -> None:
    header = content_disposition(name)

    assert header.startswith(f'attachment; filename="{fallback}"; filename*=UTF-8\'\'')
    assert header.isascii()
    assert _parsed_filename(header) == safe_display_name(name)  # RFC 2231/5987 decoding


def test_content_disposition_example_and_inline() -> None:
    assert content_disposition("Habilitación.pdf") == (
        "attachment; filename=\"Habilitacion.pdf\"; filename*=UTF-8''Habilitaci%C3%B3n.pdf"
    )
    assert content_disposition("a.pdf", inline=True) == "inline; filename=\"a.pdf\"; filename*=UTF-8''a.pdf"


def test_content_disposition_cannot_be_broken_by_the_name() -> None:
    header = content_disposition('x"; filename="evil.exe\r\nX-Injected: 1')
    assert "\r" not in header and "\n" not in header
    assert header.count('"') == 2
    assert _parsed_filename(header) == 'x_; filename=_evil.exe X-Injected_ 1'


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (samples.PDF, "application/pdf"),
        (samples.image("PNG"), "image/png"),
        (samples.image("JPEG"), "image/jpeg"),
        (samples.image("GIF"), "image/gif"),
        (samples.image("WEBP"), "image/webp"),
        (samples.image("TIFF"), "image/tiff"),
        (samples.opendocument("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
        (
            samples.opendocument("application/vnd.oasis.opendocument.spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
    ],
)
def test_sniff_recognises_real_files(data: bytes, mime: str) -> None:
    found = sniff(data[:512])
    assert found is not None and found.mime == mime


@pytest.mark.parametrize(
    "data",
    [
        b"",
        samples.EXE,
        samples.HTML,
        samples.SVG,
        samples.plain_zip(),
        samples.opendocument("application/vnd.oasis.opendocument.text-template"),
        samples.opendocument("application/x-something-else"),
        b" \n%PDF-1.7 header not at the start",
        "Texto plano en español".encode(),
        b"\xff\xd8",  # a JPEG signature cut short
    ],
    ids=["empty", "exe", "html", "svg", "zip", "odt-template", "odf-other", "late-pdf", "text", "short-jpeg"],
)
def test_sniff_refuses_what_it_cannot_recognise(data: bytes) -> None:
    assert sniff(data[:512]) is None


def test_allowed_types_with_wildcards() -> None:
    png = KNOWN_TYPES["image/png"]
    assert is_allowed(png, {"image/png"})
    assert is_allowed(png, {"image/*"})
    assert not is_allowed(png, {"application/pdf", "image/jpeg"})
    assert allowed_labels({"image/png", "application/pdf", "text/plain"}) == ["PDF", "PNG"]


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("foto.png", "image/png", "foto.png"),
        ("foto.PNG", "image/png", "foto.PNG"),
        ("foto.pdf", "image/png", "foto.png"),
        ("foto.jpeg", "image/jpeg", "foto.jpeg"),
        ("acta", "application/pdf", "acta.pdf"),
        ("acta v1.2", "application/pdf", "acta v1.2.pdf"),
        ("documento", "image/jpeg", "documento.jpg"),
    ],
)
def test_display_name_extension_follows_the_content(name: str, mime: str, expected: str) -> None:
    assert with_extension(name, KNOWN_TYPES[mime]) == expected


@pytest.mark.parametrize(
    ("size", "text"),
    [(25 * MB, "25 MB"), (3 * MB // 2, "1,5 MB"), (300 * 1024, "300 KB"), (10, "10 bytes")],
)
def test_format_size_in_spanish(size: int, text: str) -> None:
    assert format_size(size) == text


def test_every_known_type_has_a_nfc_label() -> None:
    for file_type in KNOWN_TYPES.values():
        assert unicodedata.is_normalized("NFC", file_type.label)
        assert file_type.extension == file_type.extensions[0]
