"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from engine.db import db


def test_the_migrated_schema_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"render_as_batch": True, "compare_type": False})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
