"""Worklists benchmark: the group inbox on a large backlog in PostgreSQL.

Run as ``.venv/bin/python bench/worklists.py`` (``make bench``). Seeds a throw-away database
(``TRAMITES_TEST_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``;
the bench creates its own database and drops it) with 100,000 open and 1,000,000 closed
tasks by bulk SQL (``generate_series``) over 10 groups and 5 procedures, then times, over
``RUNS`` runs each, the inbox query (:func:`worklists.queries.inbox.page`) and the whole page
render (``GET /bandeja/`` as a signed-in staff member, counts and filters included), for the
first page and for a filtered, sorted page (one procedure, overdue only, by priority).

Targets: p95 under 50 ms for the first page and under 100 ms for the filtered, sorted page.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import median_p95, throwaway_postgres  # bench/common.py, beside this script
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.db import db, utcnow  # noqa: E402
from engine.identity.accounts import ensure_user  # noqa: E402
from engine.uow import unit_of_work  # noqa: E402
from worklists.queries import inbox  # noqa: E402  (the repository root must be on the path first)
from wsgi import create_app  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
OPEN, CLOSED, INSTANCES, GROUPS, PROCEDURES = 100_000, 1_000_000, 200_000, 10, 5
RUNS = 50
USER, PASSWORD = "banco", "banco-clave-de-prueba"
FIRST = "?bandeja=grupo_0"
FILTERED = "?bandeja=grupo_0&tramite=tramite_1&vencidas=1&orden=prioridad"

SEED = [
    """INSERT INTO deployments (id, key, version, name, content_hash, manifest, spec, processes, warnings,
                                deployed_by, deployed_at)
       SELECT 'dep-' || p, 'tramite_' || p, 1, 'Trámite de prueba ' || p, md5(p::text), '{}', '{}', '[]', '[]',
              'banco', now() FROM generate_series(0, :procedures - 1) AS p""",
    """INSERT INTO instances (id, number, deployment_id, process_key, version, status, started_by, state, data,
                              created_at, updated_at, lock_version)
       SELECT 'ins-' || i, 'EX-2026-' || lpad(i::text, 6, '0') || '-SMT-BAN', 'dep-' || (i % :procedures),
              'tramite_' || (i % :procedures), 1, 'running', 'ciudadano' || (i % 5000), '{}', '{}',
              now() - (i % 400) * interval '1 day', now(), 1
       FROM generate_series(0, :instances - 1) AS i""",
    # Open tasks: 70 % unassigned, due dates from 10 days ago to 20 days ahead, priorities 0-5.
    """INSERT INTO tasks (id, instance_id, process_key, element_id, name, kind, status, candidate_group,
                          for_applicant, assignee, priority, due_at, created_at)
       SELECT 'abierta-' || i, 'ins-' || (i % :instances), 'tramite_' || ((i % :instances) % :procedures),
              'revisar', 'Revisar solicitud ' || (i % 7), 'user', 'ready', 'grupo_' || ((i / 7) % :groups), false,
              CASE WHEN i % 10 < 7 THEN NULL ELSE 'agente' || (i % 40) END, i % 6,
              now() + ((i * 7919) % 43200 - 14400) * interval '1 minute',
              now() - (i % 30) * interval '1 day'
       FROM generate_series(0, :open - 1) AS i""",
    """INSERT INTO tasks (id, instance_id, process_key, element_id, name, kind, status, candidate_group,
                          for_applicant, assignee, priority, due_at, created_at, completed_at, completed_by)
       SELECT 'cerrada-' || i, 'ins-' || (i % :instances), 'tramite_' || ((i % :instances) % :procedures),
              'revisar', 'Revisar solicitud ' || (i % 7), 'user', 'completed', 'grupo_' || ((i / 7) % :groups),
              false,
              'agente' || (i % 40), i % 6, now() - (i % 365) * interval '1 day',
              now() - (i % 365) * interval '1 day' - interval '3 days',
              now() - (i % 365) * interval '1 day', 'agente' || (i % 40)
       FROM generate_series(0, :closed - 1) AS i""",
    "ANALYZE",
]


def seed(app: Flask) -> float:
    """Fill the database; return the seconds it took."""
    began = time.perf_counter()
    params = {"procedures": PROCEDURES, "instances": INSTANCES, "open": OPEN, "closed": CLOSED, "groups": GROUPS}
    with app.app_context():
        upgrade()
        with unit_of_work():
            for statement in SEED[:-1]:
                db.session.execute(text(statement), params)
            ensure_user(USER, display_name="Banco de pruebas", password=PASSWORD, roles=("staff", "supervisor"),
                        groups=("grupo_0",))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(SEED[-1]))
    return time.perf_counter() - began


def query_of(args: str) -> inbox.InboxQuery:
    from werkzeug.datastructures import MultiDict

    from worklists.inbox import read_query

    pairs = [p.split("=", 1) for p in args.lstrip("?").split("&")]
    return read_query(MultiDict(pairs), ["grupo_0"])[0]


def _timed(action: Callable[[], Any]) -> tuple[float, float]:
    return median_p95(action, RUNS, warmup=2)


def measure(app: Flask) -> list[tuple[str, str, float, float, int]]:
    client = app.test_client()
    page = client.get("/ingresar")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post("/ingresar", data={"usuario": USER, "contrasena": PASSWORD, "csrf_token": token})
    assert signed.status_code == 302, signed.status_code
    rows = []
    for label, args in (("primera página", FIRST), ("filtrada y ordenada", FILTERED)):
        with app.test_request_context():
            query = query_of(args)
            found = inbox.page(query, USER, utcnow())
            median, p95 = _timed(lambda q=query: inbox.page(q, USER, utcnow()))  # type: ignore[misc]
            db.session.remove()
        rows.append((label, "consulta", median, p95, len(found.rows)))

        def render(path: str = "/bandeja/" + args) -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        median, p95 = _timed(render)
        rows.append((label, "página completa", median, p95, len(found.rows)))
    # What any signed-in page costs here (session load and touch, headers): the inbox's floor.
    median, p95 = _timed(lambda: client.get("/cuenta"))
    rows.append(("referencia: /cuenta", "página completa", median, p95, 0))
    began = time.perf_counter()
    assert client.get("/bandeja/tablero/").status_code == 200
    rows.append(("tablero (supervisión)", "página completa", (time.perf_counter() - began) * 1000, 0.0, 0))
    return rows


def profile(app: Flask) -> None:
    import cProfile
    import pstats

    client = app.test_client()
    page = client.get("/ingresar")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/ingresar", data={"usuario": USER, "contrasena": PASSWORD, "csrf_token": token})
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get("/bandeja/" + FIRST)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"worklists|staff_|jinja2/environment|flask_babel")


def main() -> None:
    logging.disable(logging.WARNING)
    made = throwaway_postgres()
    if made is None:
        return
    url, drop = made
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "banco"})
            seconds = seed(app)
            print(f"Sembrado: {OPEN:,} tareas abiertas y {CLOSED:,} cerradas en {seconds:.0f} s "
                  f"({GROUPS} grupos, {PROCEDURES} trámites; {RUNS} mediciones por fila)\n")
            if "--profile" in sys.argv:
                profile(app)
                return
            rows = measure(app)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        drop()
    print(f"{'bandeja del grupo':<22}{'qué':<18}{'mediana (ms)':>14}{'p95 (ms)':>11}{'filas':>7}{'objetivo p95':>14}")
    for label, what, median, p95, count in rows:
        if label.startswith("tablero"):
            print(f"{label:<22}{what:<18}{median:>14.1f}{'(una vez)':>11}")
            continue
        if label.startswith("referencia"):
            print(f"{label:<22}{what:<18}{median:>14.1f}{p95:>11.1f}")
            continue
        target = 50 if label == "primera página" else 100
        mark = "ok" if p95 < target else "NO"
        print(f"{label:<22}{what:<18}{median:>14.1f}{p95:>11.1f}{count:>7}{f'< {target} ms {mark}':>14}")


if __name__ == "__main__":
    main()
