"""Anonymous reclamos cannot be sent by the hundred: each address, contact and account may send a
few per quarter hour, and the next one gets a friendly Spanish 429 instead of a case and a task."""

from __future__ import annotations

import io

from flask import Flask
from sqlalchemy import func, select

from engine.db import db
from engine.models import Instance
from portal.reclamos import RATE
from tests.procedures.conftest import PNG_BYTES
from tests.procedures.test_reclamo_web import FORM, _post, _web, city  # noqa: F401 - its fixture


def _reclamos(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Instance)) or 0)


def test_a_burst_of_anonymous_reclamos_from_one_address_is_stopped(city: Flask) -> None:  # noqa: F811
    web = _web(city)
    limit, _window = RATE
    answers = [_post(web, "/reclamos/nuevo", {**FORM, "fotos": (io.BytesIO(PNG_BYTES), f"{n}.png")}).status_code
               for n in range(limit + 5)]
    assert answers == [302] * limit + [429] * 5
    assert _reclamos(city) == limit
    refused = _post(web, "/reclamos/nuevo", FORM).get_data(as_text=True)
    assert "Espere unos minutos" in refused


def test_one_contact_cannot_flood_from_many_addresses(city: Flask) -> None:  # noqa: F811
    limit, _window = RATE
    answers = []
    for n in range(limit + 2):
        web = _web(city)
        web.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        answers.append(_post(web, "/reclamos/nuevo", {**FORM, "email": "vecina@example.com"}).status_code)
    assert answers == [302] * limit + [429] * 2
