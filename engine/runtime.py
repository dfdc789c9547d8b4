"""What ``create_app`` hands the engine: the parts it reaches without importing them, as typed ports.

- ``connectors``: the connector registry (:class:`~engine.ports.Connectors`);
- ``test_connectors``: where a test case's GAF calls go when ``connectors`` talks to the real GAF
  (a registry holding only the GAF connector of the test-case sandbox);
- ``documents``: the document store and what signs, checks and assembles PDFs;
- ``tools``: what operators run beside the platform (health checks, the GAF sandbox, the sensor feed);
- ``settings``, ``clock``, ``known_groups``, ``dispatch`` (the worker an outbox message goes to) and
  ``send_email`` (the plain sender of one-time links).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from engine.appointments import operations as appointment_operations
from engine.audit import checkpoints
from engine.backup import schedule
from engine.backup.create import Made, make_backup, store_location
from engine.casefile import drafts, expediente
from engine.casefile.sweep import SweepSchedule
from engine.conversations import handoff
from engine.conversations.retention import DEFAULT_DAYS as CONVERSATION_RETENTION_DAYS
from engine.db import db, utcnow
from engine.figures.schedule import FiguresConfig
from engine.health import Check
from engine.intake.sensors import DEFAULT_RETENTION_DAYS
from engine.notices import notify
from engine.observability import metrics
from engine.ports import Connectors, DocumentStore, LocalMailbox, SensorFeed
from engine.privacy import rectification
from engine.representation import powers
from engine.signatures import porta_firma
from engine.uow import unit_of_work
from engine.workflow import messages, outbox
from engine.workflow.operations import EngineOperations
from engine.workflow.step import EngineContext
from engine.workflow.templates import with_deployment_files
from engine.workflow.validation.templates import CheckTemplate

EXTENSION_KEY = "tramites"
DEFAULT_CHECKPOINT_MINUTES = 60
#: How often the background work sweeps the document store, unless ``DOCUMENT_SWEEP_MINUTES`` says.
DEFAULT_SWEEP_MINUTES = 60


@dataclass
class PlatformContext(EngineContext):
    """An engine context with what the background work needs: readings retention, the
    connectors' own call to deliver the outbox with, the audit trail's checkpoint, and the
    document store with the schedule of its sweep."""

    sensor_retention_days: int = DEFAULT_RETENTION_DAYS
    #: How long abandoned drafts and uploads no draft or case keeps are kept (Ley 25.326).
    draft_retention: timedelta = drafts.DRAFT_RETENTION
    upload_retention: timedelta = drafts.STALE_AFTER
    deliver: outbox.Deliver | None = None
    #: ``checkpoint_audit(now)``: sign the audit chains' heads into the document store when due.
    checkpoint_audit: Callable[[datetime], object] | None = None
    documents: DocumentStore | None = None
    sweeps: SweepSchedule | None = None
    #: ``issue_certificate(template_folder, data, title)``: signs the proofs of notices received.
    issue_certificate: Callable[[str, dict[str, Any], str], dict[str, Any]] | None = None
    #: ``backup(now)``: write a backup when ``BACKUP_SCHEDULE`` says one is due, then prune old ones.
    backup: Callable[[datetime], object] | None = None
    #: Days a conversation nobody wrote in is kept (``CONVERSATION_RETENTION_DAYS``, Ley 25.326).
    conversation_retention_days: int = CONVERSATION_RETENTION_DAYS
    #: The public figures' settings and schedule (``engine/figures``).
    figures: FiguresConfig | None = None


@dataclass
class DocumentServices:
    """The document store, and the PDF work the connectors do for the pages and commands."""

    store: DocumentStore
    #: ``inspect_pdf(bytes) -> {sha256, state, label, …}``: the signature check of a presented PDF.
    inspect_pdf: Callable[[bytes], dict[str, Any]] | None = None
    #: ``issue_certificate(template_folder, data, title) -> result``: sign a certificate outside a process.
    issue_certificate: Callable[[str, dict[str, Any], str], dict[str, Any]] | None = None
    #: ``prepare_signing() -> created path | None``: the development signing certificate, made by init.
    prepare_signing: Callable[[], str | None] | None = None
    #: ``sign_documents(username, passphrase, [(pdf, reason, field)])``: an official signs with their credential.
    sign_documents: porta_firma.SignDocuments | None = None
    #: ``prepare_official_signing([(username, name, role)]) -> [(username, passphrase)]``: demo credentials, by init.
    prepare_official_signing: Callable[[list[tuple[str, str, str]]], list[tuple[str, str]]] | None = None
    #: ``render_case_file(cover, index, timeline, pdfs_by_folio) -> pdf``: the whole case file.
    render_case_file: Callable[..., bytes] | None = None
    #: ``check_template(bundle_files, folder, sample_datos, strict) -> problems``: a template checked at deploy.
    check_template: CheckTemplate | None = None
    #: ``receive_upload(stream, name) -> file reference``: store a file an integration sends, checked as a
    #: person's upload (type by content, size, antivirus); raises :class:`~engine.errors.UploadRefused`.
    receive_upload: Callable[[Any, str], dict[str, Any]] | None = None
    #: ``preview_template(deployment_files, folder, sample_datos) -> pdf``: a deployed template, unsigned.
    preview_template: Callable[[Mapping[str, bytes], str, Mapping[str, Any]], bytes] | None = None


@dataclass
class OperatorTools:
    """What operators run beside the platform: health checks and the long-running commands."""

    checks: dict[str, Check | None] = field(default_factory=dict)
    check_targets: dict[str, str] = field(default_factory=dict)
    #: ``run_gaf_sandbox(host, port, state_path)``: serve the GAF sandbox alone until interrupted.
    run_gaf_sandbox: Callable[[str, int, str | None], None] | None = None
    #: Builds the MQTT sensor subscriber, wired to the engine; ``None`` when ``TRAMITES_MQTT_URL`` is unset.
    sensor_subscriber: Callable[[], SensorFeed] | None = None
    #: Where e-mail is kept instead of sent (``TRAMITES_MAIL_OUTBOX``); ``None`` = it goes out over SMTP.
    mailbox: LocalMailbox | None = None


@dataclass
class Runtime:
    """The composed platform, stored at ``app.extensions["tramites"]`` (read it through
    ``engine.web.request.runtime()``)."""

    settings: Mapping[str, Any]
    documents: DocumentServices
    connectors: Connectors | None = None
    #: The connectors of test cases where ``connectors`` reach real systems: a registry with one GAF
    #: connector, pointed at the test-case sandbox (``None`` when GAF is the sandbox already).
    test_connectors: Connectors | None = None
    tools: OperatorTools = field(default_factory=OperatorTools)
    known_groups: Callable[[], set[str]] | None = None
    clock: Callable[[], datetime] = utcnow
    #: Hands a committed outbox message to a worker (Celery); ``None`` = deliver it in this process.
    dispatch: Callable[[int], None] | None = None
    #: ``send_email(to, subject, body)`` for the platform's own messages that carry a one-time link
    #: (never kept in the outbox's table); ``None`` without SMTP or the local outbox.
    send_email: Callable[[str, str, str], Any] | None = None
    #: When this process sweeps the document store next (``DOCUMENT_SWEEP_MINUTES``).
    sweeps: SweepSchedule = field(init=False)
    #: When this process may try a scheduled backup again after a failure.
    backup_retries: schedule.Retries = field(init=False, default_factory=schedule.Retries)
    #: When this process refreshes the public figures next (``FIGURES_MINUTES``), k and the cell size.
    figures: FiguresConfig = field(init=False)
    #: The engine's own operations, which service tasks reach before the connectors'.
    engine_operations: EngineOperations = field(init=False)

    def __post_init__(self) -> None:
        minutes = self.settings.get("DOCUMENT_SWEEP_MINUTES") or DEFAULT_SWEEP_MINUTES
        self.sweeps = SweepSchedule(every=timedelta(minutes=int(minutes)))
        self.figures = FiguresConfig.from_settings(self.settings)
        term = int(self.settings.get("NOTICE_TERM_BUSINESS_DAYS") or notify.DEFAULT_TERM_DAYS)
        self.engine_operations = EngineOperations({
            notify.OPERATION: partial(notify.notify, term_days=term),
            rectification.OPERATION: lambda _ctx, params, facts: rectification.call(params, facts),
            powers.OPERATION: lambda ctx, params, facts: powers.call(params, facts, ctx.now().date()),
            appointment_operations.OFFER: appointment_operations.offer,
            appointment_operations.BOOK: appointment_operations.book,
            appointment_operations.CANCEL: appointment_operations.cancel,
            handoff.OPERATION: handoff.reply,
        })

    def operations(self) -> frozenset[str]:
        """The operations service tasks may call: the engine's and the connectors'."""
        found = self.connectors.operations() if self.connectors is not None else frozenset()
        return found | self.engine_operations.names()

    def validate_params(self, operation: str, params: Mapping[str, Any], expressions: Iterable[str] = ()) -> list[str]:
        """A service task's literal parameters against its operation's schema, checked at deployment."""
        if self.connectors is None or operation in self.engine_operations.names():
            return []
        return self.connectors.validate_literal_params(operation, params, expressions)

    def audit_key(self) -> bytes:
        """The key that signs the audit trail's checkpoints (derived from ``SECRET_KEY``)."""
        return checkpoints.signing_key(self.settings["SECRET_KEY"])

    def make_backup(self, into: Path, now: datetime, public_key: Path | None = None) -> Made:
        """Write one backup of the platform's database and document store under ``into``
        (inside an application context); sealed to ``public_key``, else to ``BACKUP_PUBLIC_KEY`` if set."""
        configured = self.settings.get("BACKUP_PUBLIC_KEY")
        key = public_key or (Path(configured) if configured else None)
        return make_backup(db.engine, self.documents.store, into, now, public_key=key, audit_key=self.audit_key(),
                           described={"store": store_location(str(self.settings.get("STORAGE_URL") or ""))})

    def backup_plan(self) -> schedule.BackupPlan:
        """The scheduled backups' plan (``BACKUP_DIR``, ``BACKUP_SCHEDULE``, ``BACKUP_KEEP``)."""
        return schedule.BackupPlan(folder=Path(self.settings["BACKUP_DIR"]), times=self.settings["BACKUP_SCHEDULE"],
                                   zone=self.settings["TIMEZONE"], keep=int(self.settings.get("BACKUP_KEEP") or 14),
                                   make=self.make_backup)

    def engine_context(self) -> PlatformContext:
        """A fresh context for one request or job (its post-commit list is its own)."""
        retention = self.settings.get("SENSOR_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS
        every = timedelta(minutes=self.settings.get("AUDIT_CHECKPOINT_MINUTES") or DEFAULT_CHECKPOINT_MINUTES)
        ctx = PlatformContext(call_connector=None, now=self.clock, timezone=self.settings["TIMEZONE"],
                              public_url=self.settings["PUBLIC_URL"], dispatch_thrown=messages.dispatch_thrown,
                              deliver_kept=messages.deliver_kept,
                              sensor_retention_days=retention,
                              checkpoint_audit=partial(checkpoints.write_if_due, self.documents.store,
                                                       self.audit_key(), every),
                              documents=self.documents.store, sweeps=self.sweeps,
                              draft_retention=_days(self.settings.get("DRAFT_RETENTION_DAYS"), drafts.DRAFT_RETENTION),
                              upload_retention=_days(self.settings.get("UPLOAD_RETENTION_DAYS"), drafts.STALE_AFTER),
                              issue_certificate=self.documents.issue_certificate, figures=self.figures,
                              conversation_retention_days=int(self.settings.get("CONVERSATION_RETENTION_DAYS")
                                                              or CONVERSATION_RETENTION_DAYS))
        if self.settings.get("BACKUP_SCHEDULE"):
            ctx.backup = partial(self.backup_retries.run, self.backup_plan())
        if self.connectors is not None:
            ctx.deliver = self._deliver
            call = _keeping_tests_off_real_gaf(self._deliver, bool(self.settings.get("GAF_SANDBOX")),
                                               self._deliver_to_test)
            call = _registering_certificates(call)
            ctx.call_connector = _deferring(call, self.connectors, ctx, self.hand_over)
        ctx.call_connector = self.engine_operations.calling(ctx, ctx.call_connector)
        return ctx

    def hand_over(self, message_id: int) -> None:
        """Send a just-committed outbox message on its way: to a worker, or from here at once."""
        if self.dispatch is not None:
            self.dispatch(message_id)
        else:
            self.deliver_now(message_id)

    def deliver_now(self, message_id: int) -> str:
        """Deliver one outbox message in its own transaction (inside an app context)."""
        with unit_of_work():
            return outbox.deliver(message_id, self._deliver, self.clock())

    def _deliver(self, operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        # Read at call time: a test may swap the registry's invoke after the context was made.
        if self.connectors is None:
            raise RuntimeError("no connectors are configured")
        # Templates come from the calling instance's deployed version, never from disk.
        began, failed = time.perf_counter(), True
        try:
            result = self.connectors.invoke(operation, params, with_deployment_files(facts))
            failed = False
            return result
        finally:
            metrics.connector_called(operation, time.perf_counter() - began, failed)

    def _deliver_to_test(self, operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        """A test case's call to a connector that reaches a real system, made on its test double instead."""
        if self.test_connectors is None:
            raise TestCaseRefused("En un caso de prueba GAF solo se usa en un sandbox, y esta instalación habla "
                                  "con el GAF real sin sandbox de pruebas.")
        return self.test_connectors.invoke(operation, params, with_deployment_files(facts))


def _days(setting: Any, default: timedelta) -> timedelta:
    return timedelta(days=int(setting)) if setting else default


def _registering_certificates(call_connector: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``call_connector`` so that a certificate a service task issues joins the case file.

    The registration happens in the step's own transaction: a step that rolls back leaves
    no certificate behind, one that commits leaves it verifiable.
    """

    def call(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        result = call_connector(operation, params, facts)
        if expediente.is_certificate(result) and facts.get("instance_id"):
            actor = f"proceso:{facts.get('element_id', '')}"
            to_sign = porta_firma.wants_signatures(result)
            expediente.register_certificate(facts["instance_id"], result, actor, case_number=facts.get("case_number"),
                                            kind="generated" if to_sign else "signed")
            if to_sign:
                porta_firma.open_request(facts["instance_id"], result, actor, case_number=facts.get("case_number"))
        return result

    return call


#: The connector whose calls move money: a test case may only reach its sandbox.
GAF_PREFIX = "gaf/"


def _keeping_tests_off_real_gaf(call_connector: Callable[..., Any], sandboxed: bool,
                                call_test_double: Callable[..., Any]) -> Callable[..., Any]:
    """Send a test case's GAF calls to the test-case sandbox unless GAF is the sandbox (``GAF_SANDBOX``).

    A test case must never liquidate a real fee: where the platform talks to the real GAF, its
    calls go to ``call_test_double`` (the connector of ``/_sandbox/gaf-pruebas``), never to the
    real connector; every other case's calls are untouched.
    """
    if sandboxed:
        return call_connector

    def call(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        if facts.get("test_case") and operation.startswith(GAF_PREFIX):
            return call_test_double(operation, params, facts)
        return call_connector(operation, params, facts)

    return call


class TestCaseRefused(Exception):
    """A call a test case may not make (permanent: retrying changes nothing)."""

    temporary = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _deferring(call_connector: Callable[..., Any], connectors: Connectors, ctx: EngineContext,
               hand_over: Callable[[int], None]) -> Callable[..., Any]:
    """Write the calls of after-commit operations (notifications) into the outbox of the step.

    Their parameters are checked at once, so a bad call is an incident of the step; the
    process gets ``{"encolado": true}``. Once the step commits, the message is handed over; a
    failure then is retried by the background work and never undoes the step.
    """

    deferred = connectors.after_commit_operations()

    def call(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
        if operation not in deferred:
            return call_connector(operation, params, facts)
        connectors.check_params(operation, params)
        if facts.get("test_case"):  # a test case never reaches real addresses
            outbox.suppress(operation, params, facts, ctx.now())
            return {"encolado": True, "suprimido": True}
        message_id = outbox.enqueue(operation, params, facts, ctx.now())
        ctx.after_commit.append(lambda: hand_over(message_id))
        return {"encolado": True}

    return call
