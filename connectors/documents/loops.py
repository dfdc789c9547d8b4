"""Run pyHanko's synchronous calls from any thread.

pyHanko's synchronous API wraps its asynchronous one with ``asyncio.run``, which refuses to
run in a thread whose event loop is already running (an async server, a notebook, a browser
driver in tests). There the call moves to a short-lived worker thread of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def outside_event_loop(call: Callable[[], T]) -> T:
    """Return ``call()``, run in a worker thread when this thread's event loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(call).result()
