"""What ``create_app`` hands the engine: the parts it reaches without importing them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from engine.db import utcnow
from engine.health import Check
from engine.stepper import EngineContext

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
    #: The connector registry itself, for the CLI's listing and for tests that register
    #: their own operations; the engine calls only ``call_connector`` and ``operations``.
    connectors: Any = None
    #: ``parse_webhook(connector, headers, body) -> [message]`` for ``POST /hooks/<connector>``.
    parse_webhook: Callable[[str, Mapping[str, str], bytes], list[dict[str, Any]]] | None = None
    operations: Callable[[], frozenset[str]] = frozenset
    known_groups: Callable[[], set[str]] | None = None
    clock: Callable[[], datetime] = utcnow

    def engine_context(self) -> EngineContext:
        """A fresh context for one request or job (its post-commit list is its own)."""
        return EngineContext(call_connector=self.call_connector, now=self.clock,
                             timezone=self.settings["TIMEZONE"], public_url=self.settings["PUBLIC_URL"])
