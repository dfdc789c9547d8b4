"""Shared helpers of the staff front's tests: an app with role users and started cases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from flask import Flask

from engine.db import db
from engine.identity.accounts import ensure_user
from engine.models import Task
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "worklists" / "revision_mesa"
KEY = "revision_mesa"
GROUP = "mesa_entradas"


@dataclass
class Staffed:
    """An app with the role users, an API client and the revision bundle deployed."""

    app: Flask
    api: ApiClient

    def start(self, n: int = 1, data: dict[str, Any] | None = None) -> list[str]:
        """Start ``n`` cases; return their numbers."""
        numbers = []
        for _ in range(n):
            response = self.api.start(KEY, data or {"solicitante": "Ana"})
            assert response.status_code == 201, response.get_json()
            numbers.append(response.get_json()["number"])
        return numbers

    def web(self, who: str) -> Web:
        web = Web(self.app.test_client())
        web.sign_in(who, password_of(who))
        return web

    def task_of(self, number: str) -> Task:
        with self.app.app_context():
            from engine.models import Instance

            instance = db.session.query(Instance).filter_by(number=number).one()
            task = db.session.query(Task).filter_by(instance_id=instance.id, status="ready").one()
            db.session.expunge(task)
            return task


def staffed(identity_app: Flask) -> Staffed:
    api = ApiClient(identity_app, make_token(identity_app, "pruebas", "admin"))
    deployed = api.deploy(BUNDLE)
    assert deployed.status_code == 201, deployed.get_json()
    with identity_app.app_context(), unit_of_work():
        ensure_user("otro", display_name="Otro Grupo", password=password_of("otro"), roles=("staff",),
                    groups=("inspeccion",))
        ensure_user("colega", display_name="Colega Mesa", password=password_of("colega"), roles=("staff",),
                    groups=(GROUP,))
    return Staffed(identity_app, api)


def text_of(response: Any) -> str:
    """The page's visible text, roughly (tags dropped, entities decoded)."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))
