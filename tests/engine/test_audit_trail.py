"""The audit trail is append-only in the database itself on PostgreSQL, not only in the application."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine import audit
from engine.db import db
from engine.uow import unit_of_work


@pytest.mark.postgres
@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'otro'", "DELETE FROM audit_events"])
def test_postgres_refuses_to_change_or_delete_audit_events(make_app: Callable[..., Flask], database_url: str,
                                                          statement: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the trigger exists on PostgreSQL only")
    app = make_app()
    with app.app_context():
        with unit_of_work():
            audit.record("prueba", "tests", data={"n": 1})
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT actor FROM audit_events")).scalars().all() == ["tests"]
