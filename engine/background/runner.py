"""The in-process background runner of the embedded default: a thread that runs due work."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from engine.background.jobs import run_due_work
from engine.db import db
from engine.runtime import PlatformContext
from engine.uow import unit_of_work

log = logging.getLogger(__name__)


class BackgroundRunner:
    """Every ``interval`` seconds, fire due timers and retries inside an app context.

    :param app_context: builds the application context each cycle runs in (``app.app_context``).
    :param make_ctx: a fresh engine context per cycle (``runtime.engine_context``).
    :param interval: seconds between cycles; a timer fires at most this long after it is due
        (plus the cycle's own work).
    """

    def __init__(self, app_context: Callable[[], AbstractContextManager[object]],
                 make_ctx: Callable[[], PlatformContext], interval: float = 2.0) -> None:
        self._app_context = app_context
        self._make_ctx = make_ctx
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the runner's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (again after :meth:`stop`); a no-op while a thread is alive."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="tramites-runner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the thread to stop after its current cycle and wait for it.

        :param timeout: seconds to wait for the cycle in progress.
        :return: whether the thread ended within ``timeout``.
        """
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("background runner still busy after %.1f s; it ends after its cycle", timeout)
            return False
        self._thread = None
        return True

    def run_once(self) -> int:
        """Run one cycle now, in this thread; return how many jobs ran."""
        with self._app_context():
            ctx = self._make_ctx()
            try:
                return run_due_work(ctx, lambda: unit_of_work(ctx.after_commit))
            finally:
                db.session.remove()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.run_once()
            except Exception:  # the runner must outlive a bad cycle (database briefly down, …)
                log.exception("background runner cycle failed")
