"""Shared setup of the records tests: an app with role users, a test clock and a procedure that
ends as soon as it starts (so its case can be closed at once)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from engine.background.jobs import run_due_work
from engine.db import db
from engine.models import Instance
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.fixtures.timing import Clock

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "records" / "constancia_simple"
KEY = "constancia_simple"


@dataclass
class Archive:
    """The app, its API client and its clock."""

    app: Flask
    api: ApiClient
    clock: Clock

    def start(self) -> str:
        started = self.api.start(KEY, {})
        assert started.status_code == 201, started.get_json()
        return started.get_json()["number"]

    def web(self, who: str) -> Web:
        web = Web(self.app.test_client())
        web.sign_in(who, password_of(who))
        return web

    def later(self, **delta: float) -> int:
        """Move the clock and run the background work as the runner would; return the jobs run."""
        self.clock.now += timedelta(**delta)
        with self.app.app_context():
            return run_due_work(self.app.extensions["tramites"].engine_context(), unit_of_work)

    def instance_id(self, number: str) -> str | None:
        with self.app.app_context():
            return db.session.scalar(select(Instance.id).where(Instance.number == number))


def archive(app: Flask, bundle: Path = BUNDLE) -> Archive:
    clock = Clock()
    app.extensions["tramites"].clock = clock
    api = ApiClient(app, make_token(app, "archivo", "admin"))
    deployed = api.deploy(bundle)
    assert deployed.status_code == 201, deployed.get_json()
    return Archive(app, api, clock)


def bundle_with(tmp_path: Path, archivo: str) -> Path:
    """The test bundle with another ``archivo`` block in its manifest."""
    folder = tmp_path / KEY
    shutil.copytree(BUNDLE, folder)
    manifest = (folder / "manifest.yaml").read_text().split("archivo:")[0]
    (folder / "manifest.yaml").write_text(manifest + archivo)
    return folder
