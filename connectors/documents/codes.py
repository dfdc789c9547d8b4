"""Verification codes and the links printed on certificates.

A code is 10 random bytes in base32 (16 characters, ``A-Z`` and ``2-7``) shown in four
groups of four (``K7QF-2M4X-…``): opaque, unguessable (80 bits), free of personal data,
safe in a URL path and easy to read aloud or type from paper.
"""

from __future__ import annotations

import base64
import re
import secrets
from urllib.parse import quote, urlsplit

CODE_BYTES = 10
_GROUP = 4
_CODE_PATTERN = re.compile(r"^[A-Z2-7]{16}$")


def verification_code() -> str:
    """Return a new random verification code such as ``K7QF-2M4X-ZP3D-R6WA``.

    :return: 19 characters: 16 base32 symbols in four dash-separated groups.
    """
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")
    return "-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP))


def normalize_verification_code(text: str) -> str | None:
    """Return the canonical form of a code someone typed, or ``None`` when it is not one.

    Case, spaces and dashes do not matter; the letters ``O`` and ``I`` mistyped for the
    digits that base32 lacks are not corrected (they never appear in a code).

    :param text: what a person typed or the path segment of a verification URL.
    :return: the code grouped as :func:`verification_code` writes it, or ``None``.
    """
    compact = re.sub(r"[\s-]", "", text or "").upper()
    if not _CODE_PATTERN.match(compact):
        return None
    return "-".join(compact[i : i + _GROUP] for i in range(0, len(compact), _GROUP))


def verification_link(public_url: str, code: str) -> str:
    """Return the public verification URL for ``code``: ``<public_url>/verificar/<code>``.

    This is the payload of the certificate's QR code.

    :param public_url: the address citizens see (``TRAMITES_PUBLIC_URL``).
    :param code: a verification code.
    :raises ValueError: when ``public_url`` is not an http(s) URL or ``code`` is not a code.
    """
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a public http(s) URL: {public_url!r}")
    canonical = normalize_verification_code(code)
    if canonical is None:
        raise ValueError(f"not a verification code: {code!r}")
    return f"{public_url.rstrip('/')}/verificar/{quote(canonical)}"
