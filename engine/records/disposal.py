"""Disposing of case files whose retention ended, once staff approve: destruction or transfer.

Destruction deletes every row of the case (the instance, its tasks, documents, tracking code…,
found through the foreign keys that point at it, and the rows that name it by ``instance_id``
alone, such as the outbox) and, after the commit, the stored objects no other row uses. It
leaves an act in the disposal register with a manifest of what was deleted and its hash.

The case's audit events stay: they are the evidence that the acts happened, and the hash
chains (``tramites audit verify``) must keep verifying. The last link of the case's chain is
the destruction itself, and the act keeps that link's ``seq`` and hash (see
``docs/records.md``).

Transfer exports the case file (its PDF, the one staff download) into the transfer folder,
records the act and marks the file transferred; the case stays, closed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.sql.elements import ColumnElement

from engine import audit
from engine.casefile import expediente, sweep
from engine.db import db
from engine.errors import Conflict, NotFound
from engine.models import AuditChain, AuditEvent, Instance
from engine.ports import DocumentStore
from engine.records.models import CaseRecord, DisposalAct

log = logging.getLogger(__name__)

#: ``render(instance) -> pdf``: the case file as the staff download it.
RenderCaseFile = Callable[[Instance], bytes]
_FILE_NAME = re.compile(r"[^A-Za-z0-9_-]")


def awaiting(state: str) -> list[tuple[CaseRecord, Instance]]:
    """Closed files in ``state`` (``archivado``, ``pendiente``, ``transferido``) with their cases."""
    rows = db.session.execute(select(CaseRecord, Instance).join(Instance, Instance.id == CaseRecord.instance_id)
                              .where(CaseRecord.state == state).order_by(CaseRecord.retain_until, Instance.number))
    return [(record, instance) for record, instance in rows]


def register(limit: int = 500) -> list[DisposalAct]:
    """The disposal register, newest act first."""
    return list(db.session.scalars(select(DisposalAct).order_by(DisposalAct.id.desc()).limit(limit)))


DISPOSED = ("El expediente no está en la lista de disposición: su plazo de conservación no terminó "
            "o ya se dispuso de él.")


def _listed(number: str) -> tuple[CaseRecord, Instance]:
    instance = db.session.scalar(select(Instance).where(Instance.number == number))
    record = db.session.get(CaseRecord, instance.id) if instance is not None else None
    if instance is None or record is None:
        # A second approval that came after the first destroyed the case: the register says so.
        if db.session.scalar(select(DisposalAct.id).where(DisposalAct.case_number == number).limit(1)) is not None:
            raise Conflict(DISPOSED)
        raise NotFound("El expediente no está en el archivo.")
    # A no-op write locks the record and checks its state in one statement: of two approvals at
    # once, the second waits for the first and then finds nothing left to dispose of.
    locked = db.session.execute(update(CaseRecord).where(CaseRecord.instance_id == instance.id,
                                                         CaseRecord.state == "pendiente")
                                .values(state=CaseRecord.state))
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        raise Conflict(DISPOSED)
    return record, instance


def listed_record(number: str) -> CaseRecord:
    """The archive record of a case listed for disposal.

    :raises NotFound: when the case is not in the archive.
    :raises Conflict: when its retention has not ended.
    """
    return _listed(number)[0]


def digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _facts(record: CaseRecord, instance: Instance) -> dict[str, Any]:
    return {"case_number": instance.number, "process_key": instance.process_key,
            "procedure": instance.deployment.name, "started_at": instance.created_at,
            "closed_at": record.closed_at, "retain_until": record.retain_until}


def _act(action: str, facts: dict[str, Any], actor: str, now: datetime, manifest: dict[str, Any],
         location: str | None = None) -> DisposalAct:
    act = DisposalAct(action=action, **facts, approved_by=actor, approved_at=now, manifest=manifest,
                      manifest_sha256=digest(manifest), location=location)
    db.session.add(act)
    db.session.flush()
    # The register's own acts are sealed too: the system chain keeps each one's number and hash.
    audit.record(f"disposal_{action}", actor, data={"act": act.id, "case_number": act.case_number,
                                                    "manifest_sha256": act.manifest_sha256})
    return act


def destroy(number: str, actor: str, now: datetime) -> tuple[DisposalAct, list[str]]:
    """Destroy a case listed for destruction (flushes, never commits).

    :return: the act, and the storage keys to offer :func:`purge_objects` after the commit.
    :raises NotFound: when the case is not in the archive.
    :raises Conflict: when it is not listed, or listed for transfer.
    """
    record, instance = _listed(number)
    if record.disposition != "destruir":
        raise Conflict("Este expediente se transfiere al archivo histórico, no se destruye.")
    documents = expediente.documents(instance.id)
    audit.record("case_destroyed", actor, instance_id=instance.id,
                 data={"approved_by": actor, "documents": len(documents)})
    db.session.flush()  # seals the destruction into the case's chain
    head = db.session.execute(select(AuditChain.seq, AuditChain.hash).where(AuditChain.key == instance.id)).one()
    manifest: dict[str, Any] = {
        "case_number": instance.number, "process_key": instance.process_key, "version": instance.version,
        "documents": [{"folio": d.folio, "kind": d.kind, "sha256": d.sha256, "size": d.size} for d in documents],
        "audit_chain": {"key": instance.id, "seq": head.seq, "hash": head.hash},
    }
    keys = sorted({d.storage_key for d in documents})
    facts, instance_id = _facts(record, instance), instance.id
    for loaded in (*documents, record, instance):  # their rows go below the ORM's back
        db.session.expunge(loaded)
    manifest["rows"] = delete_case_rows(instance_id)
    return _act("destruido", facts, actor, now, manifest), keys


def transfer(number: str, actor: str, now: datetime, render: RenderCaseFile, folder: Path) -> DisposalAct:
    """Export a case listed for transfer to ``folder`` and mark it transferred (flushes, never commits).

    :raises NotFound: when the case is not in the archive.
    :raises Conflict: when it is not listed, or listed for destruction.
    """
    record, instance = _listed(number)
    if record.disposition != "transferir":
        raise Conflict("Este expediente se destruye; no se transfiere.")
    pdf = render(instance)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{_FILE_NAME.sub('_', instance.number)}.pdf"
    (folder / name).write_bytes(pdf)
    manifest = {"case_number": instance.number, "process_key": instance.process_key, "file": name,
                "sha256": hashlib.sha256(pdf).hexdigest(), "size": len(pdf),
                "documents": [{"folio": d.folio, "sha256": d.sha256} for d in expediente.documents(instance.id)]}
    record.state = "transferido"
    audit.record("case_transferred", actor, instance_id=instance.id, data={"file": name, "sha256": manifest["sha256"]})
    return _act("transferido", _facts(record, instance), actor, now, manifest, location=name)


def _children(table: Table) -> Iterable[tuple[Table, Any]]:
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child is not table:
                yield child, fk


def _remove(table: Table, condition: ColumnElement[bool], counts: Counter[str]) -> None:
    """Delete ``table``'s rows matching ``condition`` and, first, what points at them (SQLite does not
    enforce ``ON DELETE``): rows of ``SET NULL`` keys lose the reference, the others go."""
    for child, fk in _children(table):
        pointing = fk.parent.in_(select(fk.column).where(condition))
        if (fk.ondelete or "").upper() == "SET NULL":
            db.session.execute(update(child).where(pointing).values({fk.parent.name: None}))
        else:
            _remove(child, pointing, counts)
    removed = db.session.execute(delete(table).where(condition)).rowcount  # type: ignore[attr-defined]
    if removed:
        counts[table.name] += removed


def delete_case_rows(instance_id: str) -> dict[str, int]:
    """Delete every row of one case but its audit events; return how many rows went, per table."""
    counts: Counter[str] = Counter()
    instances: Table = Instance.__table__
    for table in db.metadata.sorted_tables:  # rows naming the case without a foreign key (outbox, kept messages)
        column = table.columns.get("instance_id")
        if column is not None and not column.foreign_keys and table is not AuditEvent.__table__:
            _remove(table, column == instance_id, counts)
    _remove(instances, instances.c.id == instance_id, counts)
    return dict(sorted(counts.items()))


def purge_objects(store: DocumentStore, keys: Iterable[str]) -> int:
    """Delete the stored objects among ``keys`` that no row references any more; return how many.

    Run after the destruction's commit: an object deleted before would be lost if it rolled back.
    One that fails to go is left to the document store's sweep.
    """
    wanted = list(keys)
    kept = sweep.referenced(wanted)
    deleted = 0
    for key in wanted:
        if key in kept:
            continue
        try:
            store.delete(key)
            deleted += 1
        except Exception:  # the store may be down: the destruction is committed, the sweep finishes it
            log.exception("could not delete stored object %s of a destroyed case", key)
    return deleted
