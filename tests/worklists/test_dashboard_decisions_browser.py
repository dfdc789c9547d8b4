"""The dashboard's decisions in a browser, with a forecast fitted from two years of seeded history:
axe-core finds nothing, no sideways scrolling at 390 px, «dias» changes the breaches' horizon."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import insert, select

from engine.db import db
from engine.forecasts import refresh
from engine.identity.accounts import ensure_user
from engine.models import Deployment, Instance
from engine.uow import unit_of_work
from tests.fixtures.browser import LiveServer, Visit
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.require import free_port
from tests.forecasts.seeded import daily_counts
from tests.portal.test_phone_widths_browser import DESKTOP, PHONE, _fits, _sign_in
from tests.procedures.conftest import PROCESSES

pytestmark = pytest.mark.browser


@pytest.fixture
def served(make_app: Callable[..., Flask], live_server: Callable[..., LiveServer]) -> tuple[Flask, str]:
    port = free_port()
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}")
    assert ApiClient(app, make_token(app, "despliegue", "admin")).deploy(PROCESSES / "reclamo").status_code == 201
    now = datetime.now(UTC)
    _first, counts = daily_counts(level=3.0, seed=1)
    start = now.date() - timedelta(days=len(counts))
    with app.app_context(), unit_of_work():
        ensure_user("jefa", display_name="Jefa de Alumbrado", password="jefa-clave-segura", email="jefa@example.com",
                    roles=("staff", "supervisor"), groups=("alumbrado",))
        deployment = db.session.scalars(select(Deployment).where(Deployment.key == "reclamo")).one()
        rows = [{"id": f"h-{d}-{i}", "number": f"H-{d}-{i}", "deployment_id": deployment.id, "process_key": "reclamo",
                 "version": deployment.version, "status": "completed", "started_by": "pruebas", "state": {},
                 "data": {"categoria": "alumbrado"},
                 "created_at": datetime.combine(start + timedelta(days=d), datetime.min.time(), UTC)
                 + timedelta(hours=15), "updated_at": now}
                for d, count in enumerate(counts) for i in range(int(count))]
        db.session.execute(insert(Instance), rows)
        assert refresh.refresh(now, "America/Argentina/Tucuman") == 2  # the procedure and its category
    return app, live_server(app, port).url


def test_the_decisions_read_on_a_phone_and_pass_axe(page: object, served: tuple[Flask, str]) -> None:
    _app, base = served
    visit = Visit(page, base)
    _sign_in(visit, "jefa")
    for width in (DESKTOP, PHONE):
        _fits(visit, "/bandeja/tablero/", width)
    main = visit.page.locator("main").inner_text()
    assert "Pronóstico de casos entrantes" in main and "Alumbrado público" in main
    visit.page.fill("#dias", "12")
    visit.page.get_by_role("button", name="Ver vencimientos").click()
    visit.page.wait_for_url("**dias=12**")
    assert "próximos 12 días hábiles" in visit.page.locator("main").inner_text()
    visit.check()
