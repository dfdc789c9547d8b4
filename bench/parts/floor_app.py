"""The floor of a completion over HTTP: a Flask app that does only what any completion must.

Served by gunicorn exactly as the platform is (``bench/common.py``'s :func:`~common.gunicorn`,
``parts.floor_app:app``), never by the product. Per request it parses a JSON body, writes one
small row in its own committed transaction on the database the platform uses in the same run
(SQLite with the platform's pragmas, WAL and ``synchronous=FULL``; PostgreSQL with the server's
fsync), and answers JSON. No authentication, no ORM, no engine: whatever a completion costs
beyond this is the platform's, not the stack's.

The database comes from ``FLOOR_DATABASE_URL`` (read at import: this module is a WSGI target).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from engine.db import tune_sqlite  # the platform's SQLite pragmas, so both sides commit alike

CREATE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY AUTOINCREMENT, "
              "task TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_floor (id BIGSERIAL PRIMARY KEY, "
                  "task TEXT NOT NULL, data TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)",
}
INSERT = text("INSERT INTO bench_floor (task, data, at) VALUES (:task, :data, :at) RETURNING id")


def floor_engine(url: str, create: dict[str, str] = CREATE) -> Engine:
    """An engine like the platform's: the same SQLite pragmas and lock wait, a plain pool.

    ``create`` holds, per dialect, the statement that makes the app's table if it is missing.
    """
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, connect_args={"timeout": 30} if sqlite else {})
    tune_sqlite(engine)
    with engine.begin() as connection:
        connection.execute(text(create[engine.dialect.name]))
    return engine


def create_app(url: str) -> Flask:
    app = Flask(__name__)
    engine = floor_engine(url)

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    @app.post("/tasks/<task>/complete")
    def complete(task: str) -> Any:
        body = request.get_json()
        if not isinstance(body, dict):
            return jsonify({"title": "JSON object expected"}), 400
        with engine.begin() as connection:  # one committed write: BEGIN, INSERT, COMMIT
            row_id = connection.execute(INSERT, {"task": task, "data": request.get_data(as_text=True),
                                                 "at": datetime.now(UTC)}).scalar_one()
        return jsonify({"id": row_id, "task": task, "status": "completed"})

    return app


if "FLOOR_DATABASE_URL" in os.environ:
    app = create_app(os.environ["FLOOR_DATABASE_URL"])
