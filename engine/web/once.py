"""A web form that starts a case starts it once, however many times it is sent (both fronts).

A second press of «Enviar», or a phone that sends the POST again over a bad connection, would
otherwise start a second case. Each form shown carries a token of its own (the hidden field
``envio``); the case's start stores its answer under that token with the API's idempotency
records (:mod:`engine.web.idempotency`), in the start's transaction, so a repeat, sequential or
at the same time, answers with the first one's result. A form without a token (a page rendered
before forms carried one) starts a case as before.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import request

from engine.uow import unit_of_work
from engine.web import idempotency

FIELD = "envio"
#: What does not make two submissions of one form different.
NOT_CONTENT = frozenset({FIELD, "csrf_token"})


def sent_token() -> str:
    """The token the form was sent with; ``""`` when it carries none."""
    return request.form.get(FIELD, "").strip()[:100] if request.method == "POST" else ""


def page_token(fresh: bool = False) -> str:
    """The token to render in a form: the one it was sent with (a form shown again after a refusal
    has not started its case yet), or a new one (``fresh``: the sent one did)."""
    return ("" if fresh else sent_token()) or secrets.token_urlsafe(24)


def _content() -> dict[str, Any]:
    """The filled form: its fields and the names of its files."""
    fields = {name: request.form.getlist(name) for name in sorted(request.form) if name not in NOT_CONTENT}
    files = {name: sorted(f.filename or "" for f in request.files.getlist(name))
             for name in sorted(request.files)}
    return {"fields": fields, "files": files}


def answered(scope: str) -> dict[str, Any] | None:
    """The answer this form got when it was sent before with its token; ``None`` if it was not.

    :raises Conflict: it was sent before with other content (changed after it started its case).
    """
    token = sent_token()
    if not token:
        return None
    with unit_of_work():
        earlier = idempotency.replay(scope, token, _content())
    return None if earlier is None else earlier[1]


def start(scope: str, produce: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``produce`` (it starts the case, inside the caller's transaction) unless this form's
    token already did; the answer either way.

    :raises Conflict: a submission of the same form started its case meanwhile (call
        :func:`answered` after the rollback for its answer), or this one was changed since.
    """
    token = sent_token()
    if not token:
        return produce()
    _, answer, _ = idempotency.once(scope, token, _content(), lambda: (303, produce()))
    return answer
