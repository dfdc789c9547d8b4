"""What ``create_app`` hands the engine: the parts it reaches without importing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from engine import expediente
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
    #: ``inspect_pdf(bytes) -> {sha256, state, label, …}``: the signature check of a presented PDF.
    inspect_pdf: Callable[[bytes], dict[str, Any]] | None = None
    #: ``issue_certificate(template_folder, data, title) -> result``: sign a certificate outside a process.
    issue_certificate: Callable[[str, dict[str, Any], str], dict[str, Any]] | None = None
    #: ``prepare_signing() -> created path | None``: the development signing certificate, made by init.
    prepare_signing: Callable[[], str | None] | None = None
    #: ``render_case_file(cover, index, timeline, pdfs_by_folio) -> pdf``: the whole case file.
    render_case_file: Callable[..., bytes] | None = None
    #: Operations that run only after the calling step commits (notifications), and the
    #: check of their parameters made at once.
    after_commit_operations: Callable[[], frozenset[str]] = frozenset
    check_params: Callable[[str, Mapping[str, Any]], None] | None = None

    def engine_context(self) -> EngineContext:
        """A fresh context for one request or job (its post-commit list is its own)."""
        retention = self.settings.get("SENSOR_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS
        ctx = PlatformContext(call_connector=None, now=self.clock, timezone=self.settings["TIMEZONE"],
                              public_url=self.settings["PUBLIC_URL"], sensor_retention_days=retention)
        if self.call_connector is not None:
            call = _registering_certificates(self.call_connector)
            ctx.call_connector = _deferring(call, self.after_commit_operations(), self.check_params, ctx.after_commit)
        return ctx


def _registering_certificates(call_connector: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``call_connector`` so that a certificate a service task issues joins the case file.

    The registration happens in the step's own transaction: a step that rolls back leaves
    no certificate behind, one that commits leaves it verifiable.
    """

    def call(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        result = call_connector(operation, params, facts)
        if expediente.is_certificate(result) and facts.get("instance_id"):
            expediente.register_certificate(facts["instance_id"], result, f"proceso:{facts.get('element_id', '')}",
                                            case_number=facts.get("case_number"))
        return result

    return call


def _deferring(call_connector: Callable[..., Any], deferred: frozenset[str],
               check_params: Callable[[str, Mapping[str, Any]], None] | None,
               after_commit: list[Callable[[], None]]) -> Callable[..., Any]:
    """Queue the calls of after-commit operations (notifications) until the step has committed.

    Their parameters are checked at once, so a bad call is an incident of the step; the
    process gets ``{"encolado": true}``. A failure after the commit is logged by the unit of
    work and does not undo the step.
    """

    def call(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        if operation not in deferred:
            return call_connector(operation, params, facts)
        if check_params is not None:
            check_params(operation, params)
        after_commit.append(lambda: call_connector(operation, params, facts))
        return {"encolado": True}

    return call
