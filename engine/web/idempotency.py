"""Replays of the same request answer with the first answer; a changed body is a conflict.

The API's starts and messages (an ``Idempotency-Key``, a ``message_id``), the webhooks and the
web forms that start a case (a token rendered in the form) share it. An answer is replayed for
30 days: the background work forgets older ones (``engine/background/jobs.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from engine.db import db, savepoint
from engine.errors import Conflict
from engine.models import IdempotencyRecord


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(scope: str, key: str, body: Any) -> tuple[int, dict[str, Any]] | None:
    """The first answer to ``(scope, key)``, or ``None`` while it has none (committed).

    :return: ``(status, body)`` of the first answer.
    :raises Conflict: when the key was used with a different body.
    """
    found = db.session.get(IdempotencyRecord, (scope, key))
    if found is None:
        return None
    if found.request_hash != request_hash(body):
        raise Conflict("La clave de idempotencia ya se usó con otro contenido.")
    return found.status, found.response


def once(scope: str, key: str, body: Any, produce: Callable[[], tuple[int, dict[str, Any]]],
         replay_status: int | None = None) -> tuple[int, dict[str, Any], bool]:
    """Run ``produce`` the first time ``(scope, key)`` is seen; replay its answer afterwards.

    :return: ``(status, body, replayed)``.
    :raises Conflict: when the key was used with a different body.
    """
    earlier = replay(scope, key, body)
    if earlier is not None:
        return replay_status or earlier[0], earlier[1], True
    status, response = produce()
    try:
        with savepoint():
            db.session.add(IdempotencyRecord(scope=scope, key=key, request_hash=request_hash(body), status=status,
                                             response=response))
    except IntegrityError as e:
        # A concurrent request with the same key won; this one must not take effect.
        raise Conflict("Otra solicitud con la misma clave de idempotencia está en curso.") from e
    return status, response, False
