"""The engine's tables.

The serialized workflow in :class:`Instance` is the truth about an instance's state; the
other tables (tasks, subscriptions, timers) are indexes written in the same transaction so
that lists and searches never deserialize workflows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import UTCDateTime, db, new_id, utcnow

Json = JSON().with_variant(JSON(none_as_null=True), "postgresql")

#: The ``prev_hash`` of a chain's first link (and the head of a chain with none).
GENESIS = "0" * 64

INSTANCE_STATUSES = ("running", "waiting", "suspended", "error", "completed", "terminated")


class Deployment(db.Model):  # type: ignore[name-defined]
    """One immutable version of a process bundle."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("key", "version"), UniqueConstraint("key", "content_hash"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # The parsed specs serialized once per version (~60 % of a small instance's JSON). Deferred:
    # steps restore specs from the cache keyed by deployment id and read this only on a miss.
    spec: Mapped[dict[str, Any]] = mapped_column(Json, deferred=True)
    processes: Mapped[list[str]] = mapped_column(Json, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    deployed_by: Mapped[str] = mapped_column(String(200))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Deployed only to try a studio draft: never in the catalogue, only test cases run on it.
    trial: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    # Loaded only when read (forms come from ``deployments.file``'s cache): a bundle's files may
    # weigh megabytes, and most reads of a version (starting a case, showing one) need none.
    files: Mapped[list[DeploymentFile]] = relationship(
        back_populates="deployment", cascade="all, delete-orphan", lazy="select"
    )

    def file(self, name: str) -> bytes | None:
        for item in self.files:
            if item.name == name:
                return item.content
        return None


class DeploymentFile(db.Model):  # type: ignore[name-defined]
    """A file of a deployed bundle (BPMN, DMN, form schemas, templates)."""

    __tablename__ = "deployment_files"

    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    deployment: Mapped[Deployment] = relationship(back_populates="files")


class Instance(db.Model):  # type: ignore[name-defined]
    """A running (or finished) case: a process instance with its case number."""

    __tablename__ = "instances"
    __table_args__ = (Index("ix_instances_process_status", "process_key", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_by: Mapped[str] = mapped_column(String(200))
    state: Mapped[dict[str, Any]] = mapped_column(Json)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed for the public figures, which count a month's finished cases (engine/figures).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    #: A test case an analyst started to try a version: never counted, notified or numbered as real.
    is_test: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    #: Seconds a test case's clock runs ahead of the platform's (``engine.workflow.testcases``).
    clock_offset: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The head of the case's audit chain (its last link's ``seq`` and ``hash``), kept on the case's
    #: row so that the statement writing the row also locks and reads the chain
    #: (``engine.audit.case_rows``); moved only by the database, as links are inserted.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_hash: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    # Loaded when read, from the session's identity map when already there: reading a case
    # (the API's GET, a step) needs none of its version's columns.
    deployment: Mapped[Deployment] = relationship(lazy="select")

    __mapper_args__ = {"version_id_col": lock_version}


class Task(db.Model):  # type: ignore[name-defined]
    """Index row of a human task (user or manual task) of an instance."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_group", "status", "candidate_group", "due_at"),
        Index("ix_tasks_open_assignee", "status", "assignee"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the SpiffWorkflow task id
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="user")
    status: Mapped[str] = mapped_column(String(20), default="ready")  # ready, completed, cancelled
    candidate_group: Mapped[str | None] = mapped_column(String(100))
    for_applicant: Mapped[bool] = mapped_column(default=False)
    assignee: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form: Mapped[str | None] = mapped_column(String(300))
    ui_form: Mapped[str | None] = mapped_column(String(300))
    instructions: Mapped[str | None] = mapped_column(Text)
    # The task's own data when it became ready: a multi-instance task's item lives only here.
    data: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(200))
    instance: Mapped[Instance] = relationship(lazy="joined")


class Subscription(db.Model):  # type: ignore[name-defined]
    """A message an instance waits for, with the correlation values it expects."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    message_name: Mapped[str] = mapped_column(String(200))
    correlation: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    correlation_key: Mapped[str] = mapped_column(String(500))  # canonical JSON of the values, indexed

    __table_args__ = (Index("ix_subscriptions_lookup", "message_name", "correlation_key"),)


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One entry of an expediente's timeline. Appended, never updated or deleted.

    Each event is a link of its chain (its case's, or ``sistema`` for events of no case):
    ``seq`` counts from 1, ``prev_hash`` is the ``hash`` of the link before it and ``hash``
    seals the event's content (see :mod:`engine.audit.chain`). The three are written once, when
    the event's transaction commits.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    chain: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    type: Mapped[str] = mapped_column(String(60))
    element_id: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class AuditChain(db.Model):  # type: ignore[name-defined]
    """The head of one audit chain: its last link's ``seq`` and ``hash``.

    Sealing a transaction's events locks the heads of their chains (a case's is locked through
    its case row, which carries a copy: :attr:`Instance.audit_seq`), so links are numbered
    without gaps or forks and without any lock shared by all cases. A case chain's head is
    moved by the database as its links are inserted (trigger ``audit_events_advance_heads``),
    and stays here when the case row is gone (a destroyed case).
    """

    __tablename__ = "audit_chains"

    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(db.Model):  # type: ignore[name-defined]
    """A signed list of every chain's head, kept as a document in the document store."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    document: Mapped[str] = mapped_column(String(64))  # its key in the document store (SHA-256)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of its list of heads
    chains: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)


class Incident(db.Model):  # type: ignore[name-defined]
    """A failed service or script step that needs attention (or an automatic retry)."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))  # service, script, engine
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open, retrying, resolved
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseCounter(db.Model):  # type: ignore[name-defined]
    """The last case number used per process family and year (gap-free allocation)."""

    __tablename__ = "case_counters"

    family: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token of an integration; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # written at most once a minute per token (tokens.USE_PRECISION), not on every request
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyRecord(db.Model):  # type: ignore[name-defined]
    """The first answer to a request made with an ``Idempotency-Key`` or ``message_id``."""

    __tablename__ = "idempotency_records"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(Json)
    # Indexed for the background work, which forgets the old ones (engine/web/idempotency.py).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Document(db.Model):  # type: ignore[name-defined]
    """A document of an expediente, in the order it joined the file (its folio).

    The bytes live in the storage backend under ``storage_key`` (their SHA-256, so several
    documents may share one object); the name people gave the file is only for display.
    """

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("instance_id", "folio"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    folio: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # uploaded, attached, generated, signed
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(db.Model):  # type: ignore[name-defined]
    """A certificate the platform issued, as the public verification page knows it."""

    __tablename__ = "certificates"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"), index=True)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    case_number: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    #: What it certifies, as its template declares (``[{"etiqueta", "valor"}]``), shown on verification.
    summary: Mapped[list[dict[str, str]] | None] = mapped_column(Json, default=list)


class StudioDraft(db.Model):  # type: ignore[name-defined]
    """A procedure an analyst is editing in the studio: a bundle not yet deployed."""

    __tablename__ = "studio_drafts"
    # A discarded draft's number is never given to a new one (its trial versions keep naming it).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The process key it deploys as (the BPMN process id).
    key: Mapped[str] = mapped_column(String(100), index=True)
    base_key: Mapped[str | None] = mapped_column(String(100))
    base_version: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The last check from the studio: ``{"at", "problems", "warnings"}``.
    last_check: Mapped[dict[str, Any] | None] = mapped_column(Json)
    deployed_version: Mapped[int | None] = mapped_column(Integer)
    files: Mapped[list[StudioDraftFile]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="StudioDraftFile.name"
    )


class StudioDraftFile(db.Model):  # type: ignore[name-defined]
    """A file of a draft, named as in a bundle (``solicitud.schema.json``, ``permiso/certificado.html``)."""

    __tablename__ = "studio_draft_files"

    draft_id: Mapped[int] = mapped_column(ForeignKey("studio_drafts.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    draft: Mapped[StudioDraft] = relationship(back_populates="files")
