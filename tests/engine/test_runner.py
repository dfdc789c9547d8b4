"""The in-process background runner: due timers fire within seconds; it stops cleanly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from engine.background.runner import BackgroundRunner
from engine.runtime import PlatformContext
from tests.fixtures.engine import ApiClient


def _runner(app: Flask, interval: float = 0.2,
            make_ctx: Callable[[], PlatformContext] | None = None) -> BackgroundRunner:
    return BackgroundRunner(app.app_context, make_ctx or app.extensions["tramites"].engine_context, interval)


def _poll(api: ApiClient, instance_id: str, status: str, seconds: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    detail = api.instance(instance_id)
    while detail["status"] != status and time.monotonic() < deadline:
        time.sleep(0.1)
        detail = api.instance(instance_id)
    return detail


def test_a_due_timer_fires_within_seconds_while_the_runner_runs(app: Flask, api: ApiClient) -> None:
    assert api.deploy("timer_corto").status_code == 201
    started = api.start("timer_corto")
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]
    waiting = api.instance(instance_id)
    assert waiting["status"] == "waiting" and waiting["next_timer_at"] is not None
    runner = _runner(app)
    runner.start()
    try:
        detail = _poll(api, instance_id, "completed")
    finally:
        assert runner.stop(timeout=10)
    assert detail["status"] == "completed", detail
    assert detail["data"]["vencido"] is True
    assert not runner.running
    events = [e["type"] for e in api.get(f"/api/v1/instances/{instance_id}/events").get_json()["items"]]
    assert "timers_checked" in events and "instance_completed" in events


def test_the_runner_stops_promptly_and_can_start_again(app: Flask) -> None:
    runner = _runner(app, interval=30)  # stop must not wait for the next cycle
    runner.start()
    assert runner.running
    began = time.monotonic()
    assert runner.stop(timeout=5)
    assert time.monotonic() - began < 5
    assert not runner.running
    runner.start()
    assert runner.running
    assert runner.stop(timeout=5) and not runner.running
    assert runner.stop() is True  # stopping a stopped runner is harmless


def test_the_runner_outlives_a_failing_cycle(app: Flask, api: ApiClient, caplog: pytest.LogCaptureFixture) -> None:
    calls = {"n": 0}
    real = app.extensions["tramites"].engine_context

    def flaky() -> PlatformContext:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("base de datos no disponible")
        return real()

    assert api.deploy("timer_corto").status_code == 201
    instance_id = api.start("timer_corto").get_json()["id"]
    runner = _runner(app, make_ctx=flaky)
    runner.start()
    try:
        detail = _poll(api, instance_id, "completed")
    finally:
        assert runner.stop(timeout=10)
    assert detail["status"] == "completed"
    assert calls["n"] >= 2
    assert "background runner cycle failed" in caplog.text
