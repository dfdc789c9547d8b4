"""Decide a file's type from its first bytes, never from its name or the declared type.

Only types with a reliable signature at the start of the file are recognised, so the
decision needs no more than :data:`SNIFF_BYTES` bytes and can be taken before anything is
stored. Anything else (executables, HTML, SVG, scripts, unknown formats) is unrecognised
and therefore refused by :func:`storage.uploads.receive`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

SNIFF_BYTES = 512


@dataclass(frozen=True)
class FileType:
    """A recognisable type: its MIME type, the label people know it by, its extensions."""

    mime: str
    label: str
    extensions: tuple[str, ...]

    @property
    def extension(self) -> str:
        """The usual extension, without the dot."""
        return self.extensions[0]


PDF = FileType("application/pdf", "PDF", ("pdf",))
JPEG = FileType("image/jpeg", "JPEG", ("jpg", "jpeg", "jpe"))
PNG = FileType("image/png", "PNG", ("png",))
GIF = FileType("image/gif", "GIF", ("gif",))
WEBP = FileType("image/webp", "WebP", ("webp",))
TIFF = FileType("image/tiff", "TIFF", ("tif", "tiff"))
ODT = FileType("application/vnd.oasis.opendocument.text", "ODT", ("odt",))
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", "ODS", ("ods",))

KNOWN_TYPES: dict[str, FileType] = {t.mime: t for t in (PDF, JPEG, PNG, GIF, WEBP, TIFF, ODT, ODS)}

# Leading bytes that identify a type on their own.
_PREFIXES: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)
_ODF = (ODT, ODS)


def sniff(head: bytes) -> FileType | None:
    """Return the type the leading bytes of a file show, or ``None`` when unrecognised.

    :param head: the first bytes of the file (at least :data:`SNIFF_BYTES` unless shorter).
    """
    for prefix, file_type in _PREFIXES:
        if head.startswith(prefix):
            return file_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return _sniff_odf(head)


def _sniff_odf(head: bytes) -> FileType | None:
    """OpenDocument: a ZIP whose first entry must be ``mimetype``, stored uncompressed.

    The ODF specification requires exactly that layout, so the local file header at
    offset 0 tells the type: name length 8 at offset 26, compression 0 at offset 8, the
    name ``mimetype`` at 30 and its content right after, of the size given at offset 22.
    """
    if head[:4] != b"PK\x03\x04" or head[8:10] != b"\x00\x00" or head[26:28] != b"\x08\x00":
        return None
    if head[28:30] != b"\x00\x00" or head[30:38] != b"mimetype":
        return None
    size = int.from_bytes(head[22:26], "little")
    content = head[38 : 38 + size]
    for file_type in _ODF:
        if content == file_type.mime.encode("ascii"):
            return file_type
    return None


def is_allowed(file_type: FileType, allowed_types: Collection[str]) -> bool:
    """Tell whether ``allowed_types`` (MIME types, ``image/*`` wildcards allowed) admits the type."""
    major = file_type.mime.split("/", 1)[0]
    return file_type.mime in allowed_types or f"{major}/*" in allowed_types


def allowed_labels(allowed_types: Collection[str]) -> list[str]:
    """The labels of the recognisable types ``allowed_types`` admits, in a stable order."""
    return [t.label for t in KNOWN_TYPES.values() if is_allowed(t, allowed_types)]


def with_extension(display_name: str, file_type: FileType) -> str:
    """Make the display name end in an extension of the type its content has.

    ``foto.pdf`` holding a PNG becomes ``foto.png``; ``acta`` becomes ``acta.pdf``. A
    downloaded document then opens with the program its content needs.
    """
    stem, dot, suffix = display_name.rpartition(".")
    suffix = suffix.lower()
    if dot and stem and suffix in file_type.extensions:
        return display_name
    known = {ext for t in KNOWN_TYPES.values() for ext in t.extensions}
    if dot and stem and suffix in known:
        return f"{stem}.{file_type.extension}"
    return f"{display_name}.{file_type.extension}"
