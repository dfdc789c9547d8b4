"""Refuse a NUL byte in a request's address, query or plain form before any view runs.

No text column holds one: PostgreSQL refuses it (``text fields cannot contain NUL``, a 500)
while SQLite keeps it, so ``?assignee=a%00b`` failed on one database and matched nothing on the
other. The refusal is the engine's own error, so the API answers its problem document and each
front its Spanish error page. Multipart bodies are left to the views: they set the upload limit
before the body is read.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

from engine.errors import EngineError

NUL = "\x00"
MESSAGE = "El pedido contiene un carácter nulo (NUL), que ningún dato admite; quítelo e intente de nuevo."


def refuse_nul_bytes() -> None:
    """A ``before_request`` hook.

    :raises EngineError: (400) when the path, a query argument or a urlencoded form field holds NUL.
    """
    if request.url_rule is None:
        return  # no page answers this address: the 404 says so
    if NUL in request.path or _holds_nul(request.args.items(multi=True)):
        raise EngineError(MESSAGE)
    if request.mimetype == "application/x-www-form-urlencoded" and _holds_nul(request.form.items(multi=True)):
        raise EngineError(MESSAGE)


def _holds_nul(items: Iterable[tuple[str, str]]) -> bool:
    return any(NUL in key or NUL in value for key, value in items)
