"""The worklists migration goes down and up, and matches the models (comments, inbox indexes)."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from engine.db import db

PARENT = "a7d3e5f1c2b4"
OURS = {"ix_tasks_ready_group_priority", "ix_tasks_ready_assignee_due", "ix_tasks_completed_at"}


def _task_indexes() -> set[str]:
    return {i["name"] for i in inspect(db.engine).get_indexes("tasks")}


def test_the_migration_goes_down_and_up(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with app.app_context():
        try:
            downgrade(revision=PARENT)
            assert "case_comments" not in inspect(db.engine).get_table_names()
            assert not _task_indexes() & OURS
        finally:
            upgrade()
        assert "case_comments" in inspect(db.engine).get_table_names()
        assert OURS <= _task_indexes()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), db.metadata)
        mine = [d for d in diff if "case_comments" in repr(d) or any(name in repr(d) for name in OURS)]
        assert mine == []
        db.engine.dispose()
