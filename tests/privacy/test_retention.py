"""Retention of what people leave outside cases: abandoned drafts go after ``DRAFT_RETENTION_DAYS``
with their uploads released, uploads no draft keeps after ``UPLOAD_RETENTION_DAYS``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from engine.background.runner import BackgroundRunner
from engine.casefile import drafts
from engine.casefile.models import Draft, PendingUpload
from engine.db import db, utcnow
from engine.identity.accounts import ensure_user
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work


def _upload(user_id: str, process_key: str, key: str, days_ago: int) -> dict[str, object]:
    ref = drafts.record_upload(user_id, drafts.start_scope(process_key), key=key, name="plano.pdf",
                               content_type="application/pdf", size=1000)
    row = db.session.scalar(select(PendingUpload).where(PendingUpload.storage_key == key))
    assert row is not None
    row.created_at = utcnow() - timedelta(days=days_ago)
    return ref


def _draft(user_id: str, process_key: str, days_ago: int, data: dict[str, object]) -> None:
    moment = utcnow() - timedelta(days=days_ago)
    drafts.save_draft(user_id, process_key, data, now=moment)


def test_the_background_work_deletes_abandoned_drafts_and_releases_their_files(
        make_app: Callable[..., Flask]) -> None:
    app = make_app(DRAFT_RETENTION_DAYS=30, UPLOAD_RETENTION_DAYS=3)
    with app.app_context(), unit_of_work():
        user, _ = ensure_user("ana", display_name="Ana", password="ana-clave-segura")
        old_file = _upload(user.id, "viejo", "a" * 64, days_ago=40)
        _draft(user.id, "viejo", 40, {"plano": old_file})  # abandoned: goes, its file released
        recent_file = _upload(user.id, "nuevo", "b" * 64, days_ago=10)
        _draft(user.id, "nuevo", 10, {"plano": recent_file})  # within 30 days: stays, keeps its file
        _upload(user.id, "suelto", "c" * 64, days_ago=4)  # no draft keeps it, older than 3 days
        _upload(user.id, "suelto", "d" * 64, days_ago=1)
        user_id = user.id
    runtime = app.extensions[EXTENSION_KEY]
    BackgroundRunner(app.app_context, runtime.engine_context).run_once()
    with app.app_context():
        assert [d.process_key for d in db.session.scalars(select(Draft))] == ["nuevo"]
        # released, then forgotten by the same run's sweep: their objects were never stored here
        left = {row.storage_key[0]: row.released_at for row in db.session.scalars(select(PendingUpload))}
        assert left == {"b": None, "d": None}
        assert drafts.pending_bytes(user_id, drafts.start_scope("nuevo")) == 1000


def test_the_defaults_keep_drafts_half_a_year_and_loose_files_a_week(app: Flask) -> None:
    ctx = app.extensions[EXTENSION_KEY].engine_context()
    assert (ctx.draft_retention, ctx.upload_retention) == (timedelta(days=180), timedelta(days=7))
