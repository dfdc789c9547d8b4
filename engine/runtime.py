"""What ``create_app`` hands the engine: the parts it reaches without importing them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from engine.health import Check

EXTENSION_KEY = "tramites"


class DocumentStore(Protocol):
    """The slice of a storage backend the engine uses (see ``storage/base.py``)."""

    def put(self, stream: BinaryIO) -> str: ...
    def get(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def check(self) -> None: ...


@dataclass
class Runtime:
    """The composed platform, stored at ``app.extensions["tramites"]``."""

    settings: Mapping[str, Any]
    storage: DocumentStore
    checks: dict[str, Check | None] = field(default_factory=dict)
    check_targets: dict[str, str] = field(default_factory=dict)
    call_connector: Callable[..., Any] | None = None
    operations: Callable[[], frozenset[str]] = frozenset
