"""Fixtures of the backup tests: a signing certificate, and the fresh instance a backup is restored into.

The populated instance is the usual test app (``make_app``: SQLite with the local folder, or
PostgreSQL); on PostgreSQL its documents live in moto's S3 server. The fresh instance gets a
database nobody migrated (a new SQLite file, or a new PostgreSQL database dropped after the
test) and a document store nobody wrote to (a new folder, or a new bucket), and the same
secret key and signing certificate, as a city restoring on a new machine configures it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import make_url

from connectors.documents.signing import create_development_certificate
from tests.fixtures.database import dispose_apps, libpq
from wsgi import create_app

PASSWORD = "clave-de-prueba"


@pytest.fixture(scope="session")
def backup_signing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    p12 = create_development_certificate(tmp_path_factory.mktemp("firma") / "dev.p12", PASSWORD)
    return {"SIGNING_CERT": str(p12), "SIGNING_PASSWORD": PASSWORD}


@pytest.fixture
def source_settings(database_url: str, request: pytest.FixtureRequest,
                    backup_signing: dict[str, str]) -> dict[str, Any]:
    """The populated instance's settings: PostgreSQL goes with S3, SQLite with the local folder."""
    if database_url.startswith("postgresql"):
        return {**backup_signing, "STORAGE_URL": request.getfixturevalue("fresh_s3_url")}
    return dict(backup_signing)


@pytest.fixture
def fresh_app(database_url: str, tmp_path: Path, request: pytest.FixtureRequest, source_settings: dict[str, Any],
              ) -> Iterator[Callable[..., Flask]]:
    """Build the app of an empty instance of the same kind (database and store never used)."""
    built: list[Flask] = []
    dropped: list[str] = []

    def build(**overrides: Any) -> Flask:
        n = len(built)
        if database_url.startswith("postgresql"):
            url = _new_pg_database(request.getfixturevalue("postgres_server_url"))
            dropped.append(url)
            bucket = f"tramites-fresco-{secrets.token_hex(5)}"
            storage = {"STORAGE_URL": request.getfixturevalue("s3_server").url(bucket)}
        else:
            url = f"sqlite:///{tmp_path / f'fresca-{n}.db'}"
            storage = {}
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / f"fresca-{n}"),
                          "SECRET_KEY": "test-secret", "TESTING": True,
                          **{k: v for k, v in source_settings.items() if k != "STORAGE_URL"}, **storage, **overrides})
        built.append(app)
        return app

    yield build
    dispose_apps(built)
    for url in dropped:
        _drop_pg_database(request.getfixturevalue("postgres_server_url"), url)


def _new_pg_database(server_url: str) -> str:
    name = f"tramites_restaurada_{secrets.token_hex(4)}"
    with psycopg.connect(libpq(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


def _drop_pg_database(server_url: str, url: str) -> None:
    with psycopg.connect(libpq(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
