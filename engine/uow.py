"""One unit of work: commit once at the edge, then run what must follow the commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from engine.db import db

log = logging.getLogger(__name__)


@contextmanager
def unit_of_work(after_commit: list[Callable[[], None]] | None = None) -> Iterator[None]:
    """Commit when the block succeeds, roll back when it raises; then run post-commit actions.

    Post-commit actions (e-mails, MQTT publishes) run only after a successful commit and
    their failures are logged, never undo the step.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if after_commit is not None:
            after_commit.clear()
        raise
    for action in list(after_commit or []):
        try:
            action()
        except Exception:  # a notification failing must not turn a committed step into an error
            log.exception("post-commit action failed")
    if after_commit is not None:
        after_commit.clear()
