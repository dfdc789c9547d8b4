"""Backups on a schedule, run by the background work, and their retention.

``TRAMITES_BACKUP_SCHEDULE`` names times of day in the city's zone (``03:00`` or
``03:00,15:00``). A backup is due when the latest one in ``TRAMITES_BACKUP_DIR`` is older than
the last scheduled time: the folder itself is the schedule's memory, so a restarted process,
or another worker, does not back up twice. A lock file in the folder lets one process at a
time look and write; after a backup, the oldest ones beyond ``TRAMITES_BACKUP_KEEP`` go.
"""

from __future__ import annotations

import fcntl
import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.backup.archive import MANIFEST, PARTIAL
from engine.backup.create import NAME_FORMAT

log = logging.getLogger(__name__)

LOCK = ".lock"
#: A ``.partial`` folder older than this is what a crashed backup left: it goes with the pruning.
STALE_PARTIAL = timedelta(days=1)


def last_slot(now: datetime, times: tuple[time, ...], zone: str) -> datetime:
    """The latest scheduled moment at or before ``now`` (UTC), reading ``times`` in ``zone``."""
    local = now.astimezone(ZoneInfo(zone))
    for days_back in range(2):
        day = local.date() - timedelta(days=days_back)
        moments = [datetime.combine(day, t, ZoneInfo(zone)) for t in times]
        past = [m for m in moments if m <= local]
        if past:
            return max(past).astimezone(UTC)
    raise ValueError("no times given")


def backups(folder: Path) -> list[tuple[datetime, Path]]:
    """The complete backups in ``folder`` (with a manifest, under their final name), oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        try:
            made = datetime.strptime(path.name, NAME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue
        if (path / MANIFEST).is_file():
            found.append((made, path))
    return sorted(found)


def prune(folder: Path, keep: int, now: datetime) -> list[Path]:
    """Delete the oldest backups beyond ``keep``, and what crashed backups left a day ago.

    :return: the folders deleted.
    """
    gone = [path for _made, path in backups(folder)[:-keep]] if keep > 0 else []
    for path in folder.glob("*" + PARTIAL):
        if now - datetime.fromtimestamp(path.stat().st_mtime, UTC) > STALE_PARTIAL:
            gone.append(path)
    for path in gone:
        shutil.rmtree(path)
        log.info("backup pruned: %s", path.name)
    return gone


@dataclass(frozen=True)
class BackupPlan:
    """What the scheduled backup needs: where, when, how many to keep, and the backup itself."""

    folder: Path
    times: tuple[time, ...]
    zone: str
    keep: int
    #: ``make(folder, now)``: write one backup now (``create.make_backup`` with the platform's parts).
    make: Callable[[Path, datetime], object]


def run_if_due(plan: BackupPlan, now: datetime) -> Path | None:
    """Make a backup when one is due, then prune; return the new backup's folder, or ``None``."""
    plan.folder.mkdir(parents=True, exist_ok=True)
    with _locked(plan.folder / LOCK) as mine:
        if not mine:
            return None  # another process is backing up right now
        made = backups(plan.folder)
        if made and made[-1][0] >= last_slot(now, plan.times, plan.zone):
            return None
        result = plan.make(plan.folder, now)
        prune(plan.folder, plan.keep, now)
        log.info("scheduled backup written: %s", getattr(result, "folder", result))
        return getattr(result, "folder", None)


#: After a failed scheduled backup, how long before the background work tries again (not every cycle).
RETRY_AFTER = timedelta(minutes=10)


@dataclass
class Retries:
    """When this process may try a scheduled backup again after one failed (one per process)."""

    after: timedelta = RETRY_AFTER
    failed_at: datetime | None = None

    def run(self, plan: BackupPlan, now: datetime) -> Path | None:
        """:func:`run_if_due`, unless the last try failed less than ``after`` ago.

        :raises Exception: the failure itself (the background work logs it), once per ``after``.
        """
        if self.failed_at is not None and now - self.failed_at < self.after:
            return None
        try:
            made = run_if_due(plan, now)
        except Exception:
            self.failed_at = now
            raise
        self.failed_at = None
        return made


@contextmanager
def _locked(path: Path) -> Iterator[bool]:
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
