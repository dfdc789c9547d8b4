"""Scheduled backups: the background work makes one per scheduled time, and keeps the last ones."""

from __future__ import annotations

import os
import time as clock
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.background.runner import BackgroundRunner
from engine.backup import schedule
from engine.runtime import EXTENSION_KEY
from tests.backup.population import populate
from tests.fixtures.database import SQLITE_ONLY

ZONE = "America/Argentina/Tucuman"  # UTC-3, no summer time


def test_the_last_scheduled_time_is_read_in_the_citys_zone() -> None:
    times = (time(3, 0), time(15, 30))
    # 05:59 UTC is 02:59 in Tucumán: the last slot was yesterday's 15:30 there, 18:30 UTC
    assert schedule.last_slot(datetime(2026, 12, 7, 5, 59, tzinfo=UTC), times, ZONE) == \
        datetime(2026, 12, 6, 18, 30, tzinfo=UTC)
    assert schedule.last_slot(datetime(2026, 12, 7, 6, 0, tzinfo=UTC), times, ZONE) == \
        datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def _runner(app: Flask) -> BackgroundRunner:
    rt = app.extensions[EXTENSION_KEY]
    return BackgroundRunner(app.app_context, rt.engine_context)


@SQLITE_ONLY
def test_the_background_work_backs_up_once_per_scheduled_time(make_app: Callable[..., Flask],
                                                              source_settings: dict[str, Any], tmp_path: Path) -> None:
    folder = tmp_path / "copias"
    app = make_app(**source_settings, BACKUP_DIR=str(folder), BACKUP_SCHEDULE="00:00,12:00")
    populate(app, tmp_path)
    runner = _runner(app)
    runner.run_once()
    [first] = schedule.backups(folder)
    assert (first[1] / "manifest.json").is_file()
    runner.run_once()  # the same slot: the folder says it is done already
    assert schedule.backups(folder) == [first]


@SQLITE_ONLY
def test_old_backups_beyond_the_retention_are_deleted(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    folder = tmp_path / "copias"
    app = make_app(BACKUP_DIR=str(folder), BACKUP_SCHEDULE="03:00", BACKUP_KEEP="2")
    plan = app.extensions[EXTENSION_KEY].backup_plan()
    days = [datetime(2026, 12, d, 7, 0, tzinfo=UTC) for d in (1, 2, 3, 4)]
    with app.app_context():
        made = [schedule.run_if_due(plan, now) for now in days]
        assert schedule.run_if_due(plan, days[-1] + timedelta(hours=1)) is None  # not due again the same day
    assert all(made)
    assert [path for _when, path in schedule.backups(folder)] == made[-2:]
    assert not made[0].exists() and not made[1].exists()  # type: ignore[union-attr]


def test_what_a_crashed_backup_left_goes_after_a_day(tmp_path: Path) -> None:
    crashed = tmp_path / "tramites-20261201T030000Z.partial"
    crashed.mkdir()
    recent = tmp_path / "tramites-20261207T030000Z.partial"
    recent.mkdir()
    old = clock.time() - 2 * 24 * 3600
    os.utime(crashed, (old, old))
    assert schedule.prune(tmp_path, 14, datetime.now(UTC)) == [crashed]
    assert recent.exists()  # maybe a backup being written right now


def test_another_process_backing_up_is_left_alone(tmp_path: Path) -> None:
    calls: list[datetime] = []
    plan = schedule.BackupPlan(folder=tmp_path, times=(time(3, 0),), zone=ZONE, keep=3,
                               make=lambda folder, now: calls.append(now))
    with schedule._locked(tmp_path / schedule.LOCK) as mine:
        assert mine
        assert schedule.run_if_due(plan, datetime(2026, 12, 7, 7, 0, tzinfo=UTC)) is None
    assert calls == []


def test_a_failed_backup_is_tried_again_after_a_while_not_every_cycle(tmp_path: Path) -> None:
    tries: list[datetime] = []

    def failing(folder: Path, now: datetime) -> None:
        tries.append(now)
        raise OSError("disco lleno")

    plan = schedule.BackupPlan(folder=tmp_path, times=(time(3, 0),), zone=ZONE, keep=3, make=failing)
    retries = schedule.Retries(after=timedelta(minutes=10))
    now = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    for seconds in (0, 2, 4, 599):
        try:
            retries.run(plan, now + timedelta(seconds=seconds))
        except OSError:
            pass
    assert tries == [now]
    with pytest.raises(OSError):
        retries.run(plan, now + timedelta(minutes=10))
    assert tries == [now, now + timedelta(minutes=10)]
