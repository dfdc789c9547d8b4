"""Checkpoints of the audit trail: every chain's head, signed, kept in the document store.

A chain proves its own order and content, but whoever owns the database can empty it or
rewrite it whole, hashes included. A checkpoint fixes what the trail held at one moment: the
list of every chain's head (key, ``seq``, ``hash``), its digest and an HMAC over all of it keyed
by the platform's ``SECRET_KEY``, stored as a JSON document in the document store (another
system than the database) and found again through a row of ``audit_checkpoints``. Events
missing below a checkpointed head, or a head that no longer matches, are then detected.

The background work writes one when the last is older than the setting
``AUDIT_CHECKPOINT_MINUTES`` and the trail changed since; ``tramites audit checkpoint`` writes
one at once.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Protocol

from sqlalchemy import select

from engine.db import db
from engine.models import AuditChain, AuditCheckpoint

FORMAT = "tramites/audit-checkpoint/1"
_KEY_PURPOSE = b"tramites/audit-checkpoint"


class Store(Protocol):
    """What checkpoints need of the document store (``engine.ports.DocumentStore`` fits)."""

    def put(self, stream: BinaryIO) -> str: ...
    def get(self, key: str) -> BinaryIO: ...


class CheckpointInvalid(Exception):
    """A checkpoint's document is missing, or its signature or digest does not hold."""


def signing_key(secret: str) -> bytes:
    """The checkpoints' HMAC key, derived from the platform's ``SECRET_KEY`` (used for nothing else)."""
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def heads() -> list[list[Any]]:
    """Every chain's head as ``[key, seq, hash]``, by key."""
    rows = db.session.execute(select(AuditChain.key, AuditChain.seq, AuditChain.hash).order_by(AuditChain.key))
    return [[key, seq, hash_] for key, seq, hash_ in rows]


def latest() -> AuditCheckpoint | None:
    """The newest checkpoint's row."""
    return db.session.scalars(select(AuditCheckpoint)
                              .order_by(AuditCheckpoint.created_at.desc(), AuditCheckpoint.id.desc())
                              .limit(1)).first()


def write(store: Store, key: bytes, now: datetime) -> AuditCheckpoint | None:
    """Sign the chains' heads into the store; nothing when they are those of the last checkpoint.

    :return: the new checkpoint's row (flushed), or ``None``.
    """
    listed = heads()
    digest = _digest(listed)
    last = latest()
    if last is not None and last.digest == digest:
        return None
    events = sum(seq for _key, seq, _hash in listed)  # links count from 1, without gaps
    body: dict[str, Any] = {"format": FORMAT, "created_at": now.isoformat(), "events": events,
                            "chains": listed, "digest": digest}
    body["signature"] = _sign(key, body)
    document = store.put(io.BytesIO(_canonical(body)))
    row = AuditCheckpoint(created_at=now, document=document, digest=digest, chains=len(listed), events=events)
    db.session.add(row)
    db.session.flush()
    return row


def write_if_due(store: Store, key: bytes, every: timedelta, now: datetime) -> AuditCheckpoint | None:
    """What the background work runs: :func:`write` when the last checkpoint is ``every`` old."""
    last = latest()
    if last is not None and now - last.created_at < every:
        return None
    return write(store, key, now)


def read(store: Store, key: bytes, row: AuditCheckpoint) -> dict[str, Any]:
    """The checkpoint's document, once its signature and digest hold.

    :raises CheckpointInvalid: naming, in Spanish, what does not hold.
    """
    try:
        with store.get(row.document) as stream:
            raw = stream.read()
    except Exception as e:  # a storage backend's own error: the document is not there to check
        raise CheckpointInvalid(f"no se puede leer su documento {row.document} del almacenamiento ({e}).") from e
    try:
        body = json.loads(raw)
        signature = body.pop("signature")
    except (ValueError, AttributeError, KeyError) as e:
        raise CheckpointInvalid("su documento no es un punto de control.") from e
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(key, body)):
        raise CheckpointInvalid("la firma no es válida (documento alterado o clave distinta).")
    if body.get("format") != FORMAT or body.get("digest") != _digest(body.get("chains")) \
            or body["digest"] != row.digest:
        raise CheckpointInvalid("su resumen no coincide con su lista de cadenas.")
    return dict(body)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _digest(listed: Any) -> str:
    return hashlib.sha256(_canonical(listed)).hexdigest()


def _sign(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()
