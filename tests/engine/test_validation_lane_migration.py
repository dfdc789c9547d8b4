"""Open tasks indexed under the old lane rule move to the group the one rule gives now."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from engine.db import db
from engine.models import Task
from tests.fixtures.engine import ApiClient

PARENT = "e8a2c4f6b1d9"


def test_ready_tasks_of_the_old_rule_move_to_the_new_group(app: Flask, api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    ready = [api.start("tramite_simple", {"solicitante": "María"}).get_json()["id"] for _ in range(2)]
    done = api.ready_task(ready[1], "revisar")
    with app.app_context():
        # as the old rule indexed lane «Mesa de Entradas»; one row is history, which stays as it was
        db.session.execute(update(Task).values(candidate_group="mesa_de_entradas"))
        db.session.execute(update(Task).where(Task.id == done["id"]).values(status="completed"))
        db.session.commit()
        try:
            downgrade(revision=PARENT)
        finally:
            upgrade()
        rows = dict(tuple(row) for row in db.session.execute(select(Task.status, Task.candidate_group)))
        db.session.remove()
        db.engine.dispose()
    assert rows == {"ready": "mesa_entradas", "completed": "mesa_de_entradas"}
