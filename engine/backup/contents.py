"""What a database holds, read on one connection: row counts, cases by state, the documents it needs.

The backup reads them in the snapshot it copies, the restore in the database it rebuilt; the
two must be identical, and every document the database references must be in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, inspect, select, table, text

from engine.casefile.drafts import LIVE
from engine.casefile.models import PendingUpload
from engine.models import AuditCheckpoint, Certificate, Document, Instance
from engine.signatures.models import SignatureRequest

#: Every column that names an object of the document store, with the rows that still need it.
REFERENCES = ((Document.storage_key,), (Certificate.storage_key,), (PendingUpload.storage_key, LIVE),
              (AuditCheckpoint.document,), (SignatureRequest.storage_key,))


@dataclass
class Contents:
    """The rows of every table, the cases by state, the migration the schema is at."""

    migration: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)

    def as_manifest(self) -> dict[str, Any]:
        return {"migration_head": self.migration, "cases_by_status": self.cases, "rows_by_table": self.tables}

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Contents:
        return cls(manifest.get("migration_head"), dict(manifest.get("rows_by_table") or {}),
                   dict(manifest.get("cases_by_status") or {}))

    def differences(self, other: Contents) -> list[str]:
        """What differs from ``other`` (the backup's own count), one Spanish line each."""
        lines = [f"tabla {name}: {self.tables.get(name, 0)} filas, la copia tenía {count}"
                 for name, count in sorted(other.tables.items()) if self.tables.get(name, 0) != count]
        lines += [f"tabla {name}: no estaba en la copia" for name in sorted(set(self.tables) - set(other.tables))]
        if self.cases != other.cases:
            lines.append(f"expedientes por estado: {self.cases}, la copia tenía {other.cases}")
        return lines


def read_contents(conn: Connection) -> Contents:
    """Count every table's rows and the cases by state, on ``conn``'s snapshot."""
    names = sorted(inspect(conn).get_table_names())
    contents = Contents(tables={name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
                                for name in names})
    if "alembic_version" in names:
        heads = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        contents.migration = ",".join(heads) or None
    if "instances" in names:
        rows = conn.execute(select(Instance.status, func.count()).group_by(Instance.status))
        contents.cases = {status: int(count) for status, count in rows}
    return contents


def referenced_keys(conn: Connection) -> set[str]:
    """Every document-store key a row of the database needs (documents, certificates, uploads
    not released, the audit trail's checkpoints, documents waiting for signatures)."""
    present = set(inspect(conn).get_table_names())
    keys: set[str] = set()
    for column, *where in REFERENCES:
        if column.table.name in present:
            keys.update(conn.execute(select(column).where(*where).distinct()).scalars())
    return keys
