"""The tracking code of a case, and the portal migration both ways."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from engine.casefile import tracking
from engine.db import db
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from engine.workflow import instances
from tests.portal.helpers import deploy

PARENT = "e4c7a1f9b2d3"
TABLES = {"portal_tracking_codes", "portal_drafts", "portal_uploads", "portal_notification_marks",
          "portal_password_resets"}


def _started(app: Flask) -> str:
    deploy(app)
    with app.app_context(), unit_of_work():
        ctx = app.extensions[EXTENSION_KEY].engine_context()
        ref = {"key": "a" * 64, "name": "c.pdf", "content_type": "application/pdf", "size": 3, "sha256": "a" * 64}
        instance = instances.start(ctx, "solicitud_portal", {"nombre": "Ana", "motivo": "Un motivo",
                                                             "constancia": ref}, "ana")
        return instance.id


def test_a_case_gets_one_opaque_code_that_finds_it_typed_any_way(app: Flask) -> None:
    instance_id = _started(app)
    with app.app_context():
        instance = instances.get(instance_id)
        with unit_of_work():
            code = tracking.tracking_code(instance)
        assert code == tracking.tracking_code(instance)  # stable
        assert len(code.replace("-", "")) >= 10 and instance.number not in code and "ana" not in code.lower()
        assert tracking.case_by_tracking_code(code) is instance
        assert tracking.case_by_tracking_code(f" {code.lower().replace('-', ' ')} ") is instance
        assert tracking.case_by_tracking_code("AAAA-AAAA-AAAA") is None
        assert tracking.case_by_tracking_code("") is None
        assert tracking.case_by_tracking_code("0" * 12) is None


def test_the_portal_migration_goes_down_and_up(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with app.app_context():
        try:
            downgrade(revision=PARENT)
            assert not set(inspect(db.engine).get_table_names()) & TABLES
        finally:
            upgrade()
        assert TABLES <= set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), db.metadata)
        assert [d for d in diff if any(t in repr(d) for t in TABLES)] == []
        db.engine.dispose()
