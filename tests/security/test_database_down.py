"""While the database does not answer, people and integrations are told to come back (503, in
Spanish, with Retry-After), never shown a generic 500; and `tramites serve` says so in one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from engine.db import db
from engine.identity.access import public
from tests.warning_policy import tramites_argv
from wsgi import create_app

ROOT = Path(__file__).resolve().parents[2]
#: A PostgreSQL address where nothing listens: every connection is refused at once.
NOWHERE = "postgresql://postgres@127.0.0.1:9/tramites"


@pytest.fixture
def stranded(tmp_path: Path) -> Flask:
    app = create_app({"DATABASE_URL": NOWHERE, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret", "TESTING": True})
    return app


def test_the_api_answers_503_problems_while_the_database_is_down(stranded: Flask) -> None:
    response = stranded.test_client().get("/api/v1/instances", headers={"Authorization": "Bearer tsmt_x"})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "30"
    assert "La base de datos no responde" in response.get_json()["detail"]


def test_pages_answer_a_spanish_503_while_the_database_is_down(stranded: Flask) -> None:
    response = stranded.test_client().get("/guia/")
    assert response.status_code == 503
    assert "La base de datos no responde" in response.get_data(as_text=True)


def test_serve_with_the_database_down_says_so_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_DATABASE_URL": NOWHERE}
    done = subprocess.run(tramites_argv("serve", "--port", "0"), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.strip().splitlines() if line]
    assert lines == ["Error: la base de datos no responde (postgresql+psycopg://postgres@127.0.0.1:9/tramites): "
                     "revise que esté en marcha y TRAMITES_DATABASE_URL."], done.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("sqlstate", ["deadlock_detected", "serialization_failure"])
def test_a_transaction_postgresql_gave_up_for_another_answers_409_to_retry_now(
        postgres_database: str, tmp_path: Path, sqlstate: str) -> None:
    """A deadlock or a serialization failure is the database answering, not down: the request
    met another change of the same rows, so it is told to try again (409), not to wait minutes (503)."""
    app = create_app({"DATABASE_URL": postgres_database, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret", "TESTING": True})

    @public
    def give_up() -> str:
        db.session.execute(text(f"DO $$ BEGIN RAISE EXCEPTION 'prueba' USING ERRCODE = '{sqlstate}'; END $$"))
        return "no"

    for path in ("/api/v1/_prueba", "/_prueba"):
        app.add_url_rule(path, path, give_up)
    client = app.test_client()
    response = client.get("/api/v1/_prueba")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "al mismo tiempo" in response.get_json()["detail"] and "Retry-After" not in response.headers
    page = client.get("/_prueba")
    assert page.status_code == 409 and "al mismo tiempo" in page.get_data(as_text=True)
