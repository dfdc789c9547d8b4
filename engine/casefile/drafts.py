"""Drafts of start forms and the files uploaded for forms not submitted yet.

A draft is the half-filled start form of one procedure for one person, kept as typed (no
validation). The files a person uploads before submitting are :class:`PendingUpload` rows
under a *scope* (``inicio:<key>`` for a new case, ``caso:<instance id>`` for a task's form);
a form hands them in by reference, and :func:`claim_files` accepts only references to the
person's own uploads of that scope, so nobody can slip another person's document into a case.
Files referenced by a draft stay with it until the draft is submitted or discarded; the
background work releases uploads that nothing kept for :data:`STALE_AFTER` (the person left
the form).

A discarded draft's uploads and the stale ones are *released*, not forgotten at once: they
can no longer be handed in, but they keep counting against the person's quota
(:func:`held_bytes`, ``MAX_PERSON_PENDING_MB``) until the sweep (``engine/casefile/sweep.py``)
has deleted their objects, so discarding and uploading again cannot fill the store faster
than the sweep empties it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from engine.casefile import expediente
from engine.casefile.models import Draft, PendingUpload
from engine.db import db, utcnow
from engine.errors import DataInvalid, NotFound, QuotaExceeded
from engine.identity.accounts import User
from engine.models import Document
from forms.catalogue import catalogue

#: How long an upload that no draft keeps waits for its form to be submitted (``UPLOAD_RETENTION_DAYS``).
STALE_AFTER = timedelta(days=7)
#: How long a draft nobody saved again is kept (``DRAFT_RETENTION_DAYS``): personal data is not
#: kept longer than its purpose needs (art. 4 Ley 25.326).
DRAFT_RETENTION = timedelta(days=180)
#: What an upload that can still be handed in is: one not released.
LIVE = PendingUpload.released_at.is_(None)


def start_scope(process_key: str) -> str:
    return f"inicio:{process_key}"


def case_scope(instance_id: str) -> str:
    return f"caso:{instance_id}"


def save_draft(user_id: str, process_key: str, data: dict[str, Any], now: datetime | None = None) -> Draft:
    """Store (or replace) the person's draft of a procedure's start form (flushes)."""
    moment = now or utcnow()
    draft = find_draft(user_id, process_key)
    if draft is None:
        draft = Draft(user_id=user_id, process_key=process_key, created_at=moment)
        db.session.add(draft)
    draft.data, draft.updated_at = dict(data), moment
    db.session.flush()
    return draft


def find_draft(user_id: str, process_key: str) -> Draft | None:
    return db.session.scalar(select(Draft).where(Draft.user_id == user_id, Draft.process_key == process_key))


def drafts_of(user_id: str) -> list[Draft]:
    """The person's drafts, most recently saved first."""
    return list(db.session.scalars(select(Draft).where(Draft.user_id == user_id).order_by(Draft.updated_at.desc())))


def discard_draft(user_id: str, process_key: str, now: datetime | None = None) -> None:
    """Delete the draft and release the uploads of its form (flushes).

    :raises NotFound: when the person has no draft of that procedure.
    """
    draft = find_draft(user_id, process_key)
    if draft is None:
        raise NotFound("El borrador no existe.")
    db.session.delete(draft)
    db.session.execute(update(PendingUpload).where(
        PendingUpload.user_id == user_id, PendingUpload.scope == start_scope(process_key), LIVE,
    ).values(released_at=now or utcnow()))
    db.session.flush()


def drop_draft(user_id: str, process_key: str) -> None:
    """Delete the draft when there is one (after a submission)."""
    db.session.execute(delete(Draft).where(Draft.user_id == user_id, Draft.process_key == process_key))


def record_upload(user_id: str, scope: str, *, key: str, name: str, content_type: str, size: int,
                  max_held_bytes: int | None = None) -> dict[str, Any]:
    """Remember a received file for the person and scope; return the reference the form keeps.

    :param max_held_bytes: what the person may hold at most in files not handed in
        (:func:`held_bytes`); ``None`` for no limit. Concurrent uploads of one person are
        counted one after the other (their account row is locked until the caller commits).
    :raises QuotaExceeded: when the file would take the person over ``max_held_bytes``
        (the caller rolls back; the stored object is left to the sweep).
    """
    if max_held_bytes is not None:
        db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    db.session.add(PendingUpload(user_id=user_id, scope=scope, storage_key=key, display_name=name,
                                 content_type=content_type, size=size, created_at=utcnow()))
    db.session.flush()
    if max_held_bytes is not None:
        held = held_bytes(user_id)
        if held > max_held_bytes:
            raise QuotaExceeded("Sus archivos todavía no presentados superan el espacio permitido.",
                                limit=max_held_bytes, held=held - size)
    return {"key": key, "name": name, "content_type": content_type, "size": size, "sha256": key}


def pending_bytes(user_id: str, scope: str) -> int:
    """What the person's uploads of a scope add up to (for the per-case limit)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(PendingUpload.size), 0))
                                 .where(PendingUpload.user_id == user_id, PendingUpload.scope == scope, LIVE)) or 0)


def held_bytes(user_id: str) -> int:
    """What is stored for the person outside cases: every upload of theirs not handed in, of
    every scope (their drafts' files among them), released ones included until the sweep
    settles them; content uploaded twice counts once, as it is stored once."""
    stored = (select(PendingUpload.storage_key, func.max(PendingUpload.size).label("size"))
              .where(PendingUpload.user_id == user_id).group_by(PendingUpload.storage_key).subquery())
    return int(db.session.scalar(select(func.coalesce(func.sum(stored.c.size), 0))) or 0)


def case_bytes(instance_id: str) -> int:
    """What a case's documents add up to."""
    return int(db.session.scalar(select(func.coalesce(func.sum(Document.size), 0))
                                 .where(Document.instance_id == instance_id)) or 0)


def check_files(user_id: str, scope: str, data: dict[str, Any]) -> list[tuple[str, PendingUpload]]:
    """The person's uploads that ``data`` refers to, each with its pointer.

    :raises DataInvalid: when a reference is not one of the person's uploads of this scope
        (or its details were changed), with the field's pointer.
    """
    found: list[tuple[str, PendingUpload]] = []
    errors = []
    for pointer, ref in expediente.file_refs(data):
        row = db.session.scalar(select(PendingUpload).where(
            PendingUpload.user_id == user_id, PendingUpload.scope == scope, LIVE,
            PendingUpload.storage_key == str(ref.get("key")), PendingUpload.size == ref.get("size")).limit(1))
        if row is None or ref.get("sha256") != row.storage_key:
            errors.append({"pointer": pointer, "message": "Vuelva a subir este archivo."})
        else:
            found.append((pointer, row))
    if errors:
        raise DataInvalid("Hay archivos que volver a subir.", errors=errors)
    return found


def claim_files(instance_id: str, uploads: list[tuple[str, PendingUpload]], author: str, scope: str,
                user_id: str, task_id: str | None = None,
                schema: Mapping[str, Any] | None = None) -> list[Document]:
    """Add the uploads to the case's expediente (kind ``uploaded``) and forget the scope's pending rows.

    Released rows of the scope stay: they count against the person's quota until the sweep.
    """
    titles = {path: info.title for path, info in catalogue(schema).items()}
    added = []
    for pointer, row in uploads:
        new = expediente.NewDocument(kind="uploaded", title=expediente.file_title(pointer, row.display_name, titles),
                                     filename=row.display_name, content_type=row.content_type, size=row.size,
                                     sha256=row.storage_key, storage_key=row.storage_key)
        added.append(expediente.add_document(instance_id, new, author, task_id=task_id))
    db.session.execute(delete(PendingUpload).where(PendingUpload.user_id == user_id, PendingUpload.scope == scope,
                                                   LIVE))
    return added


def forget_abandoned_drafts(now: datetime, keep: timedelta = DRAFT_RETENTION) -> int:
    """Delete the drafts last saved more than ``keep`` before ``now`` and release their uploads
    (flushes), as a discard would: their objects are the sweep's.

    :return: how many drafts were deleted.
    """
    old = list(db.session.scalars(select(Draft).where(Draft.updated_at < now - keep)))
    for draft in old:
        db.session.delete(draft)
        db.session.execute(update(PendingUpload).where(
            PendingUpload.user_id == draft.user_id, PendingUpload.scope == start_scope(draft.process_key), LIVE,
        ).values(released_at=now))
    db.session.flush()
    return len(old)


def forget_stale_uploads(now: datetime, stale_after: timedelta = STALE_AFTER) -> int:
    """Release the uploads older than ``stale_after`` that no draft refers to (flushes).

    Their objects are the sweep's to delete (``engine/casefile/sweep.py``): content-addressed,
    they may be shared with documents or with an upload arriving right now.

    :return: how many uploads were released.
    """
    stale = list(db.session.scalars(select(PendingUpload).where(PendingUpload.created_at < now - stale_after, LIVE)))
    if not stale:
        return 0
    kept = _keys_kept_by_drafts({row.user_id for row in stale})
    forgotten = [row for row in stale if (row.user_id, row.scope, row.storage_key) not in kept]
    for row in forgotten:
        row.released_at = now
    db.session.flush()
    return len(forgotten)


def _keys_kept_by_drafts(user_ids: set[str]) -> set[tuple[str, str, str]]:
    kept = set()
    for draft in db.session.scalars(select(Draft).where(Draft.user_id.in_(user_ids))):
        for _pointer, ref in expediente.file_refs(draft.data):
            kept.add((draft.user_id, start_scope(draft.process_key), str(ref.get("key"))))
    return kept
