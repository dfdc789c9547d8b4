"""Uploads a person left behind are released after a week, then forgotten by the sweep; a draft keeps its own."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from engine.background.runner import BackgroundRunner
from engine.casefile import drafts
from engine.casefile.models import PendingUpload
from engine.db import db, utcnow
from engine.identity.accounts import ensure_user
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work


def _upload(user_id: str, scope: str, key: str, days_ago: int) -> dict[str, object]:
    ref = drafts.record_upload(user_id, scope, key=key, name=f"{key[:4]}.pdf", content_type="application/pdf",
                               size=1000)
    row = db.session.scalar(select(PendingUpload).where(PendingUpload.storage_key == key))
    assert row is not None
    row.created_at = utcnow() - timedelta(days=days_ago)
    return ref


def test_the_background_work_forgets_what_nothing_kept(app: Flask) -> None:
    scope = drafts.start_scope("tramite_x")
    with app.app_context(), unit_of_work():
        user, _ = ensure_user("ana", display_name="Ana", password="ana-clave-segura")
        kept = _upload(user.id, scope, "a" * 64, days_ago=30)
        _upload(user.id, scope, "b" * 64, days_ago=30)  # left behind
        _upload(user.id, scope, "c" * 64, days_ago=1)  # the form is still being filled
        _upload(user.id, drafts.case_scope("caso-1"), "d" * 64, days_ago=8)  # an abandoned correction
        drafts.save_draft(user.id, "tramite_x", {"plano": kept, "nombre": "Ana"})
        user_id = user.id
    runtime = app.extensions[EXTENSION_KEY]
    BackgroundRunner(app.app_context, runtime.engine_context).run_once()
    with app.app_context():
        left = sorted(k[0] for k in db.session.scalars(select(PendingUpload.storage_key)))
        assert left == ["a", "c"]
        assert drafts.pending_bytes(user_id, scope) == 2000
