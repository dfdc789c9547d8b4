"""Deleting the stored objects nothing keeps: a mark-and-sweep of the document store.

Objects are content-addressed (the key is the SHA-256 of the bytes), so one object may serve
several rows at once: the documents of cases, the certificates issued, the uploads people
have not handed in yet (a draft keeps its files through those, see ``drafts.py``), and the
audit trail's signed checkpoints.
An object is kept while any of them references it; everything else is garbage: the files of
discarded drafts, uploads left behind, a certificate whose step rolled back, a staff form
refused after its files were stored.

An upload stores its object first and writes the row that references it after, so an object
without references may be one whose row is being written right now. Hence:

- only objects stored more than :data:`GRACE` ago are candidates; a backend refreshes that
  time when the same bytes are stored again (``storage.base.ObjectInfo.created``), so content
  uploaded anew, even if it was stored long ago, is not a candidate;
- right before each delete the sweep asks again, in a fresh transaction, whether the object
  is referenced, and the store again whether it is still old.

What remains is the instant between that last look and the delete: the same bytes would have
to be stored again by someone exactly then.

Released uploads (``PendingUpload.released_at``) keep counting against their person's quota
until their object is gone (or another row keeps it): the sweep forgets them then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from sqlalchemy import delete, select

from engine.casefile.drafts import LIVE
from engine.casefile.models import PendingUpload
from engine.db import db
from engine.models import AuditCheckpoint, Certificate, Document
from engine.ports import DocumentStore, StoredObject

log = logging.getLogger(__name__)

#: How long after it was stored an unreferenced object is left alone: far longer than an
#: upload, a form post or a certificate's step takes from storing to committing its row.
GRACE = timedelta(hours=1)
#: How many keys one look at the references covers.
BATCH = 500

UnitOfWork = Callable[[], AbstractContextManager[None]]
T = TypeVar("T")


@dataclass
class SweepReport:
    """What one sweep did."""

    examined: int = 0
    deleted: int = 0
    freed_bytes: int = 0
    released_forgotten: int = 0


def referenced(keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` that a document, a certificate or an upload not released references."""
    wanted = list(set(keys))
    if not wanted:
        return set()
    found: set[str] = set()
    for column, *where in ((Document.storage_key,), (Certificate.storage_key,), (PendingUpload.storage_key, LIVE),
                           (AuditCheckpoint.document,)):
        found.update(db.session.scalars(select(column).where(column.in_(wanted), *where).distinct()))
    return found


def sweep(store: DocumentStore, unit_of_work: UnitOfWork, now: datetime, grace: timedelta = GRACE) -> SweepReport:
    """Delete every object stored before ``now - grace`` that nothing references.

    Each look at the references is its own short unit of work, so what other requests commit
    meanwhile is seen (on SQLite too, whose read transactions keep their snapshot).

    :param store: the document store.
    :param unit_of_work: opens one transaction (``engine.uow.unit_of_work``).
    :param now: the present by the store's clock (the times objects carry come from it).
    :param grace: how old an unreferenced object must be to go.
    :return: what was examined, deleted and freed.
    """
    cutoff = now - grace
    report = SweepReport()
    for batch in _batches(_old(store.iter_objects(), cutoff, report), BATCH):
        with unit_of_work():
            kept = referenced(item.key for item in batch)
        for item in batch:
            if item.key not in kept and _delete_if_still_garbage(store, unit_of_work, item.key, cutoff):
                report.deleted += 1
                report.freed_bytes += item.size
    with unit_of_work():
        report.released_forgotten = forget_settled_releases(store)
    if report.deleted or report.released_forgotten:
        log.info("document sweep: %d objects deleted (%d bytes), %d released uploads forgotten",
                 report.deleted, report.freed_bytes, report.released_forgotten)
    return report


def _old(items: Iterable[StoredObject], cutoff: datetime, report: SweepReport) -> Iterator[StoredObject]:
    for item in items:
        report.examined += 1
        if item.created < cutoff:
            yield item


def _delete_if_still_garbage(store: DocumentStore, unit_of_work: UnitOfWork, key: str, cutoff: datetime) -> bool:
    """Look again right before deleting: still unreferenced, still not stored anew."""
    with unit_of_work():
        if referenced([key]):
            return False
    try:
        if store.stat(key).created >= cutoff:
            return False
    except Exception as e:
        if getattr(e, "status", None) != 404:  # the backend's NotFound (storage/ is not ours to import)
            raise
        return False  # gone already
    store.delete(key)
    return True


def forget_settled_releases(store: DocumentStore) -> int:
    """Forget released uploads whose object is gone or kept by another row: they stop counting
    against their person's quota (flushes).

    :return: how many were forgotten.
    """
    keys = set(db.session.scalars(select(PendingUpload.storage_key).where(PendingUpload.released_at.is_not(None))))
    if not keys:
        return 0
    kept = referenced(keys)
    settled = [key for key in keys if key in kept or not store.exists(key)]
    forgotten = 0
    for batch in _batches(iter(settled), BATCH):
        result = db.session.execute(delete(PendingUpload).where(
            PendingUpload.released_at.is_not(None), PendingUpload.storage_key.in_(batch)))
        forgotten += int(getattr(result, "rowcount", 0) or 0)
    db.session.flush()
    return forgotten


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(islice(items, size)):
        yield batch


@dataclass
class SweepSchedule:
    """When the background work sweeps next: every ``every``, the first time at once.

    One per process (the runtime keeps it); with several Celery workers each sweeps on its own
    schedule, which is harmless: a sweep only deletes what nothing references.
    """

    every: timedelta
    last: datetime | None = None

    def take(self, now: datetime) -> bool:
        """Whether a sweep is due at ``now``; if so, count it as done."""
        if self.last is not None and now - self.last < self.every:
            return False
        self.last = now
        return True

