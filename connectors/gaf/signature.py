"""The signature of GAF's webhooks: hex HMAC-SHA256 of the raw body, in ``X-GAF-Signature``."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-GAF-Signature"
_PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """Return the lowercase hex HMAC-SHA256 of ``body`` keyed with ``secret``.

    :param body: the exact bytes sent.
    :param secret: the shared webhook secret.
    """
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Tell whether ``header`` is the signature of ``body``, in constant time.

    :param body: the raw request body, byte for byte as received.
    :param secret: the shared webhook secret.
    :param header: the value of ``X-GAF-Signature``; an optional ``sha256=`` prefix is accepted.
    :return: ``False`` for a missing, malformed or wrong signature.
    """
    if not header or not secret:
        return False
    candidate = header.strip()
    if candidate[: len(_PREFIX)].lower() == _PREFIX:
        candidate = candidate[len(_PREFIX):]
    expected = sign(body, secret)
    # compare_digest wants same-type ASCII strings; a non-ASCII header cannot be ours.
    if not candidate.isascii():
        return False
    return hmac.compare_digest(candidate.lower(), expected)
