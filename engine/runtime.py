"""What ``create_app`` hands the engine: the parts it reaches without importing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from engine.db import utcnow
from engine.health import Check
from engine.sensors import DEFAULT_RETENTION_DAYS
from engine.stepper import EngineContext

EXTENSION_KEY = "tramites"


class DocumentStore(Protocol):
    """The slice of a storage backend the engine uses (see ``storage/base.py``)."""

    def put(self, stream: BinaryIO) -> str: ...
    def get(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def check(self) -> None: ...


class SensorFeed(Protocol):
    """The sensor subscriber as the engine's commands drive it (``connectors/sensors/subscriber.py``)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def stats(self) -> dict[str, int]: ...
    def wait_until_subscribed(self, timeout: float | None = None) -> bool: ...


@dataclass
class PlatformContext(EngineContext):
    """An engine context with the settings the background work reads (readings retention)."""

    sensor_retention_days: int = DEFAULT_RETENTION_DAYS


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
    #: ``validate_params(operation, literal_params, expression_names) -> [problem]``: a service task's
    #: literal parameters against the operation's schema, for deployment-time checks.
    validate_params: Callable[[str, Mapping[str, Any], Iterable[str]], list[str]] | None = None
    #: ``run_gaf_sandbox(host, port, state_path)``: serve the GAF sandbox alone until interrupted.
    run_gaf_sandbox: Callable[[str, int, str | None], None] | None = None
    #: Builds the MQTT sensor subscriber, wired to the engine; ``None`` when ``TRAMITES_MQTT_URL`` is unset.
    sensor_subscriber: Callable[[], SensorFeed] | None = None

    def engine_context(self) -> EngineContext:
        """A fresh context for one request or job (its post-commit list is its own)."""
        retention = self.settings.get("SENSOR_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS
        return PlatformContext(call_connector=self.call_connector, now=self.clock,
                               timezone=self.settings["TIMEZONE"], public_url=self.settings["PUBLIC_URL"],
                               sensor_retention_days=retention)
