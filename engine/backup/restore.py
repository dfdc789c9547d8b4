"""``tramites restore``: rebuild an empty instance from a backup, then prove it whole.

In order, stopping at the first refusal with a message that names what failed:

1. the manifest is read (and, for a sealed backup, opened with the city's private key and its
   MAC checked), then **every** file is read through and checked against its SHA-256, before
   anything is written: a changed byte anywhere refuses the whole restore;
2. the target database must be empty (``--force`` empties it first), and the backup's schema
   must be one this code knows (the same migration or an older one, which ``tramites restore``
   then migrates);
3. the database is restored with its own tool, the documents are put into the store (each
   lands under the SHA-256 of its bytes, which must be its name);
4. :func:`check_restored`: the rows and cases are counted again and compared with the
   manifest, every document the database references is read back from the store and hashed,
   and the audit trail's chains and last checkpoint are verified.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from engine.audit.verify import Report
from engine.audit.verify import verify as verify_trail
from engine.backup import database
from engine.backup.archive import DOCUMENTS, ChunkStream, Reader
from engine.backup.contents import Contents, read_contents, referenced_keys
from engine.backup.create import audit_key_fingerprint
from engine.backup.errors import BackupError, Tampered
from engine.ports import DocumentStore


@dataclass
class Restored:
    """What a restore did and what the checks after it found."""

    contents: Contents = field(default_factory=Contents)
    problems: list[str] = field(default_factory=list)
    audit: Report | None = None

    @property
    def whole(self) -> bool:
        return not self.problems and (self.audit is None or self.audit.intact)


def restore_backup(reader: Reader, engine: Engine, store: DocumentStore, *, force: bool,
                   knows_revision: Callable[[str], bool]) -> int:
    """Verify the backup, then restore its database and documents (steps 1 to 3 above).

    :param knows_revision: whether this code's migrations know a revision (the backup's schema).
    :return: how many documents the backup held.
    :raises BackupError: (or ``Tampered``, ``WrongKey``) naming what failed; when it is raised
        before the database is touched, nothing was written.
    """
    reader.verify()
    head = reader.manifest.get("migration_head")
    if head and not all(knows_revision(rev) for rev in str(head).split(",")):
        raise BackupError(f"La copia es de una versión más nueva de la plataforma (esquema {head}, versión "
                          f"{reader.manifest.get('platform_version')}): restáurela con esa versión o una posterior.")
    _check_engine(reader, engine)
    if not database.is_empty(engine):
        if not force:
            raise BackupError("La base de datos de destino no está vacía: una copia se restaura en una base vacía. "
                              "Para borrar lo que tiene y restaurar igual, repita con --force.")
        database.wipe(engine)
    with tempfile.TemporaryDirectory(prefix="tramites-restore-") as scratch:
        dumped = Path(scratch) / "dump"
        reader.copy_to(reader.manifest["database"]["file"], dumped)
        database.restore(engine, dumped)
    return _restore_documents(reader, store)


def _check_engine(reader: Reader, engine: Engine) -> None:
    kind = reader.manifest.get("database", {}).get("engine")
    if kind != engine.dialect.name:
        raise BackupError(f"La copia es de una base {kind} y la de destino es {engine.dialect.name}: se restaura "
                          "en el mismo tipo de base.")


def _restore_documents(reader: Reader, store: DocumentStore) -> int:
    count = 0
    for path in sorted(p for p in reader.entries if p.startswith(DOCUMENTS + "/")):
        expected = path[len(DOCUMENTS) + 1:].replace("/", "")
        count += 1
        if store.exists(expected):
            continue  # content-addressed: the same bytes are there (checked after the restore)
        key = store.put(ChunkStream(reader.chunks(path)))  # type: ignore[arg-type]  # read() is all put uses
        if key != expected:
            store.delete(key)
            raise Tampered(f"{path}: su contenido no corresponde a su nombre (SHA-256 {key}).")
    return count


def check_restored(reader: Reader, engine: Engine, store: DocumentStore, audit_key: bytes, *,
                   migrated: bool) -> Restored:
    """Step 4: compare the restored instance with the manifest, check every document and the audit trail.

    Runs inside the application (the audit verification reads through the platform's session).

    :param migrated: the schema was migrated after the restore (row counts may then differ).
    """
    restored = Restored()
    with database.snapshot_of(engine) as conn:
        restored.contents = read_contents(conn)
        needed = referenced_keys(conn)
    expected = Contents.from_manifest(reader.manifest)
    if migrated:
        restored.problems += [line for line in restored.contents.differences(expected) if "por estado" in line]
    else:
        restored.problems += restored.contents.differences(expected)
    restored.problems += _check_documents(store, needed)
    if reader.manifest.get("audit_key_fingerprint") != audit_key_fingerprint(audit_key):
        restored.problems.append("La clave de los puntos de control de auditoría no es la de la instalación copiada: "
                                 "configure el mismo TRAMITES_SECRET_KEY que tenía para verificar su registro.")
        return restored
    restored.audit = verify_trail(store, audit_key)
    return restored


def _check_documents(store: DocumentStore, needed: set[str]) -> list[str]:
    """Read back every document the database references: present, and its bytes hash to its key."""
    problems = []
    for key in sorted(needed):
        if not store.exists(key):
            problems.append(f"documento {key}: no está en el almacenamiento")
            continue
        digest = hashlib.sha256()
        with store.get(key) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != key:
            problems.append(f"documento {key}: su contenido no coincide con su SHA-256")
    return problems
