"""File names people give their documents: kept only for display, sanitised, sent back safely.

A stored object's name is its hash; the name the citizen's computer gave the file is a
label, shown in the expediente and proposed again when someone downloads the document.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

FALLBACK_NAME = "documento"
MAX_NAME_CHARS = 120
MAX_EXTENSION_CHARS = 10
# Characters Windows refuses in file names; a display name is offered back as one.
RESERVED = str.maketrans({c: "_" for c in '<>:"|?*'})
# RFC 5987 attr-char: what may stay unescaped in filename*.
ATTR_CHARS = "!#$&+-.^_`|~"


def safe_display_name(name: object) -> str:
    """Turn a name sent by a browser into a display name that is safe to store and show.

    Paths are cut to their last part (``../../x.pdf`` and ``C:\\x\\y.pdf`` become ``x.pdf``
    and ``y.pdf``), control and invisible formatting characters go (a right-to-left
    override can disguise ``gpj.exe``), Unicode is normalised to NFC, whitespace is
    collapsed, leading dots and trailing dots or spaces are dropped, and the length is
    limited while keeping the extension. Accents and ñ stay.

    :param name: the name as received; anything that is not a string counts as none.
    :return: a non-empty name, ``"documento"`` when nothing usable is left.
    """
    if not isinstance(name, str):
        return FALLBACK_NAME
    text = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or not _invisible(ch))
    text = " ".join(text.split()).translate(RESERVED)
    text = text.lstrip(". ").rstrip(". ")
    return _shorten(text) or FALLBACK_NAME


def _invisible(ch: str) -> bool:
    # Cc control, Cf format (bidi overrides, zero-width), Cs surrogates, Co private, Cn unassigned.
    return unicodedata.category(ch).startswith("C")


def _shorten(name: str) -> str:
    if len(name) <= MAX_NAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION_CHARS:
        return name[:MAX_NAME_CHARS].rstrip(". ")
    room = MAX_NAME_CHARS - len(extension) - 1
    return f"{stem[:room].rstrip('. ')}.{extension}"


def ascii_fallback(display_name: str) -> str:
    """An ASCII version of the name for old clients: accents dropped, the rest replaced by ``_``."""
    decomposed = unicodedata.normalize("NFKD", display_name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in plain)
    return text.strip() or FALLBACK_NAME


def content_disposition(display_name: str, inline: bool = False) -> str:
    """Build a ``Content-Disposition`` header value (RFC 6266, with RFC 5987 for the UTF-8 name).

    Example: ``attachment; filename="Habilitacion.pdf"; filename*=UTF-8''Habilitaci%C3%B3n.pdf``.

    :param display_name: the name to propose; it is sanitised again here, so a header can
        never be broken by a quote or a line break in it.
    :param inline: ``inline`` (shown in the browser) instead of ``attachment`` (saved).
    :return: the header value.
    """
    name = safe_display_name(display_name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe=ATTR_CHARS)}"
