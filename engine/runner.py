"""The in-process background runner of the embedded default: a thread that runs due work."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from engine.db import db
from engine.jobs import run_due_work
from engine.stepper import EngineContext
from engine.uow import unit_of_work

log = logging.getLogger(__name__)


class BackgroundRunner:
    """Every ``interval`` seconds, fire due timers and retries inside an app context."""

    def __init__(self, app_context: Callable[[], AbstractContextManager[object]],
                 make_ctx: Callable[[], EngineContext], interval: float = 2.0) -> None:
        self._app_context = app_context
        self._make_ctx = make_ctx
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="tramites-runner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> int:
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
