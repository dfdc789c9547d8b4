"""What every HTTP face of the platform does per request: reach the runtime, run one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from engine.runtime import EXTENSION_KEY, Runtime
from engine.uow import unit_of_work
from engine.workflow.step import EngineContext


def runtime() -> Runtime:
    """The composed platform of the current app (``create_app`` stores it)."""
    found: Runtime = current_app.extensions[EXTENSION_KEY]
    return found


@contextmanager
def transaction() -> Iterator[EngineContext]:
    """One unit of work for the request: commit at the end, post-commit actions after."""
    ctx = runtime().engine_context()
    with unit_of_work(ctx.after_commit):
        yield ctx
