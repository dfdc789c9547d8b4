"""Per-process caches of what every certificate would otherwise rebuild: small, bounded, keyed by content.

A certificate is rendered in the worker thread of a connector call, so both caches take a lock.
Keys are digests of a template's files, never names: a new deployment (other bytes) gets
its own entry and the oldest entry leaves, so nothing stale is ever served.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from typing import Generic, TypeVar

V = TypeVar("V")


def files_digest(files: Mapping[str, bytes]) -> str:
    """Return a SHA-256 of a template's files (names and contents), independent of their order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        # Lengths first, so that no two different folders can concatenate to the same bytes.
        digest.update(f"{len(name)}:{name}:{len(content)}:".encode())
        digest.update(content)
    return digest.hexdigest()


class BoundedCache(Generic[V]):
    """A least-recently-used map of at most ``size`` entries, safe to share between threads.

    :param size: how many entries it keeps.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """Return the entry of ``key``, made by ``make()`` (outside the lock) when missing."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        with self._lock:
            # Two threads may have made it at once: the first one stored wins, both are equal.
            value = self._entries.setdefault(key, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


class BorrowPool(Generic[V]):
    """Objects that only one thread may use at a time, kept between uses for up to ``keys`` keys.

    A borrower takes an idle object of its key or, when none is idle, a new one from ``make``:
    nobody waits. Given back, it is kept unless its key already has ``per_key`` idle objects.

    :param make: builds a new object.
    :param keys: how many keys keep idle objects (least recently used leave first).
    :param per_key: how many idle objects a key keeps.
    """

    def __init__(self, make: Callable[[], V], keys: int, per_key: int) -> None:
        self._make = make
        self._keys = keys
        self._per_key = per_key
        self._idle: OrderedDict[Hashable, list[V]] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self, key: Hashable) -> Iterator[V]:
        """Lend an object of ``key`` for the ``with`` block."""
        with self._lock:
            idle = self._idle.get(key)
            value = idle.pop() if idle else None
        if value is None:
            value = self._make()
        try:
            yield value
        finally:
            self._give_back(key, value)

    def _give_back(self, key: Hashable, value: V) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(idle) < self._per_key:
                idle.append(value)
            while len(self._idle) > self._keys:
                self._idle.popitem(last=False)

    def idle(self, key: Hashable) -> int:
        """How many objects of ``key`` wait to be lent."""
        with self._lock:
            return len(self._idle.get(key, ()))
