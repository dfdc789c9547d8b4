"""Figures benchmark: the public pages at a city's volume, against a plain signed-in page.

Run as ``.venv/bin/python bench/figures.py`` (``make bench``). Seeds a named PostgreSQL database
(:data:`DATABASE`, on ``TRAMITES_TEST_DATABASE_URL``'s server) with 1,000,000 closed cases over
two years (5 procedures and reclamos of 5 categories with their points) and 5,000,000 audit
events, by COPY; then lets the background work pre-aggregate them (the public figures' monthly
rows, the open data, the forecasts) as it would. The database is kept between runs and seeded
again only when :data:`SHAPE` changes (seeding takes a few minutes on two cores: progress is
printed); ``--reseed`` forces it.

Then it times, ``RUNS`` times each and in the same run, every public page (signed out) and a
plain signed-in page (``/cuenta``), and prints each page's p95 beside the target: no more than
3× the signed-in page's p95. The staff dashboard and the two background refreshes are timed
once, for information.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from common import PG_DEFAULT, median_p95  # bench/common.py, beside this script
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.db import db  # noqa: E402
from engine.figures import hexgrid, opendata  # noqa: E402
from engine.figures import refresh as figures  # noqa: E402
from engine.forecasts import refresh as forecasts  # noqa: E402
from engine.identity.accounts import ensure_user  # noqa: E402
from engine.uow import unit_of_work  # noqa: E402
from wsgi import create_app  # noqa: E402

DATABASE = "tramites_bench_figures"
#: Bump when the seeded data's shape changes: the kept database is then seeded again.
SHAPE = "1: 1M cases, 5M events, 5 procedures, reclamos of 5 categories"
CASES, EVENTS_PER_CASE, DAYS = 1_000_000, 5, 730
PROCEDURES = [f"tramite_{i}" for i in range(5)]
CATEGORIES = ["alumbrado", "baches", "residuos", "arbolado", "agua"]
RUNS, RATIO = 30, 3.0
ZONE = "America/Argentina/Tucuman"
USER, PASSWORD = "banco", "banco-clave-de-prueba"
CENTRE = (-26.8241, -65.2226)  # San Miguel de Tucumán


def _libpq(url: str, database: str | None = None) -> str:
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def database_url() -> tuple[str, bool] | None:
    """The kept database's SQLAlchemy URL, and whether it must be seeded (``None``: no server)."""
    admin = os.environ.get("TRAMITES_TEST_DATABASE_URL", PG_DEFAULT)
    try:
        with psycopg.connect(_libpq(admin), autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
            shape = None
            if exists and "--reseed" not in sys.argv:
                with psycopg.connect(_libpq(admin, DATABASE)) as kept:
                    found = kept.execute("SELECT to_regclass('bench_shape')").fetchone()
                    if found and found[0]:
                        row = kept.execute("SELECT version FROM bench_shape").fetchone()
                        shape = row[0] if row else None
            if shape != SHAPE:
                conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
    except psycopg.OperationalError as e:
        print(f"(PostgreSQL no disponible en {admin}: {e}; se omite)")
        return None
    url = make_url(admin).set(drivername="postgresql+psycopg", database=DATABASE).render_as_string(False)
    return url, shape != SHAPE


def _cases(now: datetime) -> Iterator[tuple[object, ...]]:
    """The instances' rows: weekday and month shape, a sixth of them reclamos with a point."""
    rng = random.Random(25)
    keys = [*PROCEDURES, "reclamo"]
    for i in range(CASES):
        created = now - timedelta(days=DAYS * (1 - i / CASES), minutes=rng.randrange(600))
        key = keys[i % len(keys)]
        finished = created + timedelta(days=rng.expovariate(1 / 8), hours=1)
        if key == "reclamo":
            lat, lon = CENTRE[0] + rng.uniform(-0.04, 0.04), CENTRE[1] + rng.uniform(-0.04, 0.04)
            data = (f'{{"categoria": "{CATEGORIES[i % 5 if i % 7 else 0]}", '
                    f'"ubicacion": {{"lat": {lat:.5f}, "lon": {lon:.5f}}}}}')
        else:
            data = "{}"
        yield (f"c{i}", f"EX-B-{i:07d}", f"dep-{key}", key, 1, "completed", "ciudadano", "{}", data,
               created, min(finished, now), min(finished, now), 1, False, 0)


def _events(now: datetime) -> Iterator[tuple[object, ...]]:
    kinds = ("case_started", "task_completed", "task_completed", "document_added", "case_completed")
    for i in range(CASES):
        at = now - timedelta(days=DAYS * (1 - i / CASES))
        for seq, kind in enumerate(kinds[:EVENTS_PER_CASE], start=1):
            yield f"c{i}", seq, f"c{i}", "agente", at + timedelta(hours=seq), kind, "{}"


def _copy(conn: psycopg.Connection, statement: str, rows: Iterator[tuple[object, ...]], total: int,
          label: str) -> None:
    began, step = time.perf_counter(), max(1, total // 10)
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for n, row in enumerate(rows, start=1):
            copy.write_row(row)
            if n % step == 0:
                print(f"  {label}: {n:,} de {total:,} ({time.perf_counter() - began:.0f} s)", flush=True)


def seed(app: Flask, url: str, now: datetime) -> None:
    """Migrate, COPY the cases and events, then pre-aggregate as the background work does."""
    began = time.perf_counter()
    with app.app_context():
        upgrade()
        with unit_of_work():
            ensure_user(USER, display_name="Banco de pruebas", password=PASSWORD, roles=("staff", "supervisor"),
                        groups=("grupo_0",))
        db.engine.dispose()
    with psycopg.connect(_libpq(url)) as conn:
        for key in [*PROCEDURES, "reclamo"]:
            manifest = '{"plazo_dias_habiles": 10}' if key != "reclamo" else "{}"
            conn.execute("""INSERT INTO deployments (id, key, version, name, content_hash, manifest, spec, processes,
                            warnings, deployed_by, deployed_at, trial)
                            VALUES (%s, %s, 1, %s, md5(%s), %s, '{}', '[]', '[]', 'banco', now(), false)""",
                         (f"dep-{key}", key, f"Trámite de prueba {key}", key, manifest))
        _copy(conn, """COPY instances (id, number, deployment_id, process_key, version, status, started_by, state,
                       data, created_at, updated_at, completed_at, lock_version, is_test, clock_offset) FROM STDIN""",
              _cases(now), CASES, "casos")
        _copy(conn, "COPY audit_events (chain, seq, instance_id, actor, at, type, data) FROM STDIN",
              _events(now), CASES * EVENTS_PER_CASE, "eventos de auditoría")
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    print(f"  COPY y ANALYZE: {time.perf_counter() - began:.0f} s", flush=True)
    aggregated = time.perf_counter()
    with app.app_context():
        for month in figures.pending_months(now, ZONE):
            with unit_of_work():
                figures.refresh_month(month, now, ZONE)
            print(f"  cifras de {month:%Y-%m} ({time.perf_counter() - aggregated:.0f} s)", flush=True)
        with unit_of_work():
            opendata.publish(now, "http://localhost/datos/abiertos", 5, hexgrid.DEFAULT_SIZE_M, 60)
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_shape (version text)")
        conn.execute("INSERT INTO bench_shape VALUES (%s)", (SHAPE,))
    print(f"Sembrado en {time.perf_counter() - began:.0f} s\n", flush=True)


def signed_in(app: Flask) -> FlaskClient:
    """A test client signed in as the bench's supervisor."""
    client = app.test_client()
    token = client.get("/ingresar").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post("/ingresar", data={"usuario": USER, "contrasena": PASSWORD, "csrf_token": token})
    assert signed.status_code == 302, signed.status_code
    return client


def measure(app: Flask) -> list[tuple[str, float, float]]:
    """``(page, median ms, p95 ms)`` of the signed-in reference first, then each public page."""
    signed = signed_in(app)
    public = app.test_client()
    pages = [("/cuenta", signed), ("/datos/", public), ("/datos/tramite_0", public), ("/datos/reclamos", public),
             ("/datos/reclamos/celdas.geojson", public), ("/datos/abiertos", public), ("/datos/data.json", public)]
    rows = []
    for path, client in pages:
        def get(path: str = path, client: object = client) -> None:
            response = client.get(path)  # type: ignore[attr-defined]
            assert response.status_code == 200, (path, response.status_code)

        median, p95 = median_p95(get, RUNS, warmup=2)
        rows.append((path, median, p95))
    return rows


def once(label: str, action: object) -> None:
    began = time.perf_counter()
    action()  # type: ignore[operator]
    print(f"{label:<44}{(time.perf_counter() - began):>8.1f} s (una vez)")


def main() -> None:
    logging.disable(logging.WARNING)
    found = database_url()
    if found is None:
        return
    url, must_seed = found
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "banco"})
        if must_seed:
            print(f"Sembrando {CASES:,} casos cerrados y {CASES * EVENTS_PER_CASE:,} eventos con COPY "
                  f"en {DATABASE} (unos minutos; se guarda para las próximas corridas)", flush=True)
            seed(app, url, now)
        else:
            print(f"Base {DATABASE} ya sembrada ({SHAPE}); --reseed para sembrar de nuevo\n")
        rows = measure(app)
        reference = rows[0][2]
        print(f"{'página':<34}{'mediana (ms)':>14}{'p95 (ms)':>11}{'× /cuenta':>11}{'objetivo':>12}")
        for path, median, p95 in rows:
            ratio = p95 / reference if reference else 0.0
            mark = "" if path == "/cuenta" else f"≤ {RATIO:g}× {'ok' if ratio <= RATIO else 'NO'}"
            print(f"{path:<34}{median:>14.1f}{p95:>11.1f}{ratio:>11.2f}{mark:>12}")
        print()
        with app.app_context():
            client = signed_in(app)
            once("tablero de supervisión (con decisiones)", lambda: client.get("/bandeja/tablero/"))
            with unit_of_work():
                once("pronósticos (trabajo en segundo plano)", lambda: forecasts.refresh(now, ZONE))
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
