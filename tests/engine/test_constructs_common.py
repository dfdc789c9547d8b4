"""Shared helpers of the construct corpus (``tests/data/bundles/<construct>/``) driven through the REST API.

Every API call is one step: the platform loads the workflow, acts, runs the engine and saves
it again, so each step of these tests goes through a save/restore. The path taken is read back
from the audit trail (``element_completed`` events), never from the engine's memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from engine.background.jobs import run_due_work
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    """The platform's clock, moved by the tests (installed as ``Runtime.clock``)."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Case:
    """One instance of a construct model, with helpers to act on it and read its path."""

    api: ApiClient
    id: str
    clock: Clock = field(default_factory=Clock)

    @classmethod
    def start(cls, api: ApiClient, bundle: str, data: dict[str, Any] | None = None,
              clock: Clock | None = None) -> Case:
        deployed = api.deploy(bundle)
        assert deployed.status_code in (200, 201), deployed.get_json()
        started = api.start(bundle, data or {})
        assert started.status_code == 201, started.get_json()
        return cls(api, started.get_json()["id"], clock or Clock())

    @property
    def detail(self) -> dict[str, Any]:
        return self.api.instance(self.id)

    @property
    def status(self) -> str:
        return str(self.detail["status"])

    @property
    def data(self) -> dict[str, Any]:
        """The process's own data: the case number every process gets is checked and left out."""
        data = dict(self.detail["data"])
        assert data.pop("numero_expediente") == self.detail["number"]
        return data

    def events(self) -> list[dict[str, Any]]:
        response = self.api.get(f"/api/v1/instances/{self.id}/events?per_page=200")
        assert response.status_code == 200, response.get_json()
        items: list[dict[str, Any]] = response.get_json()["items"]
        return items

    def path(self) -> list[str]:
        """Element ids in the order the audit trail recorded their completion."""
        return [e["element_id"] for e in self.events() if e["type"] == "element_completed"]

    def ready(self) -> list[str]:
        return sorted(t["element_id"] for t in self.detail["tasks"])

    def complete(self, element_id: str, data: dict[str, Any] | None = None, index: int = 0) -> None:
        tasks = [t for t in self.detail["tasks"] if t["element_id"] == element_id]
        assert len(tasks) > index, f"no ready task {element_id}; ready: {self.ready()}"
        response = self.api.complete(tasks[index]["id"], data or {})
        assert response.status_code == 200, response.get_json()

    def advance(self, app: Flask, delta: timedelta) -> int:
        """Move the clock and fire due work as the background runner would; return the jobs run."""
        self.clock.now += delta
        with app.app_context():
            return run_due_work(app.extensions["tramites"].engine_context(), unit_of_work)


def with_clock(app: Flask) -> Clock:
    """Install a fake clock in the platform (the runtime reads it for every request and job)."""
    clock = Clock()
    app.extensions["tramites"].clock = clock
    return clock


def send(api: ApiClient, name: str, correlation: dict[str, Any], data: dict[str, Any]) -> Any:
    return api.post(f"/api/v1/messages/{name}", json={"correlation": correlation, "data": data})
