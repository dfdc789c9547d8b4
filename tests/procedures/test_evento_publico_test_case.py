"""An analyst's test case of «evento público» over the API: a moved clock expires it, and it leaves no trace.

Done-when of issue #17 («a test case of the procedure runs with a moved clock and leaves no trace
in figures or notifications»), from outside: the analyst's token (``deploy`` scope) starts a test
case, Mesa (played by the analyst) asks for a correction, the case's own clock moves forward 11
business days across the December holidays and the correction deadline expires the case
(``fin_vencido``). Meanwhile a real case of the same procedure sits in Mesa's inbox, so every
"absent" below is checked next to something that is present.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.casefile import sweep
from engine.db import db
from engine.models import Instance
from engine.workflow import outbox, testcases
from tests.deadlines.common import set_holidays
from tests.fixtures.identity import Web
from tests.procedures.conftest import PDF_BYTES, Case, Platform
from tests.procedures.test_evento_publico import CITY, KEY, seed_lane_groups, solicitud
from tests.worklists.helpers import text_of

TEST_ADDRESS = "prueba-organizador@example.com"
REAL_ADDRESS = "real-organizador@example.com"


def _web(app: Flask, username: str) -> Web:
    web = Web(app.test_client())
    web.sign_in(username, f"demo-{username}")
    return web


def _data(platform: Platform, email: str) -> dict[str, Any]:
    """A request with a street closure; its plan is a file of its own (stored objects are shared by content)."""
    data = solicitud(platform, corte=True)
    data["organizador"] = {**data["organizador"], "email": email}
    data["plano"] = platform.upload(f"plano-{email}.pdf", PDF_BYTES + f"% {email}\n".encode())
    return data


@pytest.fixture
def ev(platform: Platform) -> Platform:
    """Evento público deployed; Friday 4/12/2026, 13:00 in the city, with the December holidays."""
    seed_lane_groups(platform)
    platform.deploy(KEY)
    platform.seed_demo_users("analista", "mesa", "supervisora", "admin")
    set_holidays(platform.app, date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 25))
    platform.clock.now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    return platform


def _rows_naming(app: Flask, instance_id: str) -> dict[str, int]:
    """How many rows of each case table (every table with ``instance_id``, audit trail aside) name the case."""
    with app.app_context():
        counts = {table.name: db.session.scalar(select(func.count()).select_from(table)
                                                .where(table.c.instance_id == instance_id)) or 0
                  for table in testcases._case_tables()}
        counts["instances"] = db.session.scalar(select(func.count()).select_from(Instance)
                                                .where(Instance.id == instance_id)) or 0
        db.session.remove()
    return {name: n for name, n in counts.items() if n}


def test_a_test_case_expires_on_its_moved_clock_and_leaves_no_trace(ev: Platform) -> None:
    analyst_api = ev.client("deploy", "tasks", "read", name="analista")  # an analyst's tool
    real = ev.start(KEY, _data(ev, REAL_ADDRESS))

    started = analyst_api.post(f"/api/v1/processes/{KEY}/versions/1/test-cases", json={"data": _data(ev, TEST_ADDRESS)})
    body = started.get_json()
    assert started.status_code == 201, body
    assert body["is_test"] is True and body["number"].startswith("PRUEBA-") and body["clock_offset"] == 0
    case = Case(ev, body["id"], body["number"])
    assert case.ready() == ["revisar_solicitud"]

    # -- not in Mesa's inbox nor its count, while its review is open next to the real one's
    inbox = text_of(_web(ev.app, "mesa").client.get("/bandeja/?bandeja=mesa_entradas"))
    assert real.number in inbox and case.number not in inbox

    # -- Mesa (the analyst plays every role) asks for a correction: 10 business days, to 22/12
    asked = analyst_api.complete(case.task("revisar_solicitud")["id"],
                                 {"revision": "corregir", "observaciones": "Falta el plano firmado."})
    assert asked.status_code == 200, asked.get_json()
    assert case.ready() == ["corregir_solicitud"]
    due = datetime.fromisoformat(case.task("corregir_solicitud")["due_at"]).astimezone(CITY)
    assert due.date() == date(2026, 12, 22), due

    # -- the case's clock: 8 business days land on Friday 18/12 13:00, where a Monday–Friday
    # count would already have expired it; 3 more (11 in all) pass the deadline and expire it
    moved = analyst_api.post(f"/api/v1/instances/{case.id}/clock", json={"business_days": 8})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["clock_offset"] == 14 * 86400  # 9, 10, 11, 14…18/12: weekends and 7–8/12 skipped
    assert case.status == "running" and case.ready() == ["corregir_solicitud"]
    moved = analyst_api.post(f"/api/v1/instances/{case.id}/clock", json={"business_days": 3})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["clock_offset"] == 19 * 86400  # to Wednesday 23/12
    final = case.detail
    assert final["status"] == "completed" and final["tasks"] == [] and final["is_test"] is True, final
    assert case.path()[-3:] == ["archivar_vencido", "aviso_vencido", "fin_vencido"]
    assert final["data"]["resultado"].startswith("archivado: el organizador no respondió")
    assert real.status == "running" and real.ready() == ["revisar_solicitud"]  # the real case did not move

    # -- notifications: every one of the test case's is kept as suppressed, none reaches the SMTP server
    with ev.app.app_context():
        kept = [(m.operation, m.status, dict(m.params)) for m in outbox.of_instance(case.id)]
        db.session.remove()
    assert len(kept) >= 3 and {status for _op, status, _p in kept} == {"suppressed"}, kept
    assert all(op.startswith("notificar/") for op, _s, _p in kept), kept
    assert TEST_ADDRESS in {params.get("para") for _op, _s, params in kept}, kept
    ev.advance(timedelta(minutes=5))  # the background runner's turn: the real case's notices leave
    received = ev.mail.wait_for(1, timeout=15)
    assert any(REAL_ADDRESS in r.rcpt_tos for r in received)  # the SMTP server works …
    for message in received:  # … and nothing of the test case reached it
        assert TEST_ADDRESS not in message.rcpt_tos, message.rcpt_tos
        assert case.number not in message.message.get_body(preferencelist=("plain", "html")).get_content()
    # the test case's page lists what would have gone out, and to whom (an analyst sees the test cases
    # they started on the web; those of an API token, administrators)
    page = text_of(_web(ev.app, "admin").client.get(f"/estudio/probar/casos/{case.id}"))
    assert case.number in page and "Avisos suprimidos" in page and f"→ {TEST_ADDRESS}" in page, page

    # -- not in the dashboard's figures: the real case's open review only; Mesa's completed review not counted
    supervisor = _web(ev.app, "supervisora").client
    pending = supervisor.get("/bandeja/tablero/pendientes.csv").get_data(as_text=True).splitlines()
    title = "Permiso para evento en espacio público"  # the CSV names procedures and groups as people read them
    assert [line for line in pending if line.startswith(title)] == [f"{title};Mesa de Entradas;1;0"], pending
    for table in ("resueltas", "tiempos"):
        lines = supervisor.get(f"/bandeja/tablero/{table}.csv").get_data(as_text=True).splitlines()
        assert not [line for line in lines if line.startswith(title)], (table, lines)
    assert case.number not in text_of(supervisor.get("/bandeja/tablero/"))

    # -- the public guide names no case (it shows no case figures); the procedure itself is there
    public = ev.app.test_client()
    for path in ("/guia/", f"/guia/{KEY}"):
        shown = text_of(public.get(path))
        assert "Permiso para evento en espacio público" in shown and case.number not in shown

    # -- deleting it leaves no row that names it, and nothing references the plan only it used
    # (a plan sent through the API is no document of the case file: the store's sweep removes it)
    plan_key = final["data"]["plano"]["key"]
    before = _rows_naming(ev.app, case.id)
    assert before, before  # tasks, outbox, documents … before
    gone = analyst_api._call("delete", f"/api/v1/instances/{case.id}")
    assert gone.status_code == 204, gone.get_data(as_text=True)
    assert _rows_naming(ev.app, case.id) == {}
    assert analyst_api.get(f"/api/v1/instances/{case.id}").status_code == 404
    with ev.app.app_context():
        assert sweep.referenced([plan_key]) == set()
        db.session.remove()
    page = text_of(_web(ev.app, "admin").client.get(f"/estudio/probar/{KEY}/1"))
    assert case.number not in page and "Esta versión no tiene casos de prueba" in page
    # the real case is untouched; deleting it is refused
    assert real.ready() == ["revisar_solicitud"]
    assert analyst_api._call("delete", f"/api/v1/instances/{real.id}").status_code == 409
