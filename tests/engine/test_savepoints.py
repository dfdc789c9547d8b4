"""A savepoint keeps its work inside the caller's transaction, on SQLite too (engine.db.savepoint).

The SQLite driver opens no transaction for reads, so a savepoint that was a transaction's first
write used to open it and commit it when released: a later rollback of the request left that
row behind (a sign-in throttle's row, a rating without its audit event).
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db, savepoint, utcnow
from engine.identity.throttle import SigninThrottle


class Refused(Exception):
    """What makes the request fail after its savepoint was released."""


def test_a_rollback_after_a_released_savepoint_undoes_its_work(app: Flask) -> None:
    with app.app_context():
        db.session.scalar(select(SigninThrottle).where(SigninThrottle.key == "nadie"))  # a read first
        with pytest.raises(Refused):
            try:
                with savepoint():
                    db.session.add(SigninThrottle(key="prueba", failures=0, last_failure_at=utcnow()))
                raise Refused
            except Refused:
                db.session.rollback()
                raise
        db.session.remove()
    with app.app_context():
        assert db.session.get(SigninThrottle, "prueba") is None
        db.session.remove()


def test_a_savepoint_rolled_back_keeps_the_rest_of_the_transaction(app: Flask) -> None:
    with app.app_context():
        db.session.add(SigninThrottle(key="queda", failures=1, last_failure_at=utcnow()))
        with pytest.raises(Refused), savepoint():
            db.session.add(SigninThrottle(key="se_va", failures=0, last_failure_at=utcnow()))
            db.session.flush()
            raise Refused
        db.session.commit()
        assert db.session.get(SigninThrottle, "queda") is not None
        assert db.session.get(SigninThrottle, "se_va") is None
        db.session.remove()
