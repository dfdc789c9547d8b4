"""``tramites backup``: one consistent backup of the database and the document store.

The database is copied first, in one snapshot; the counts and the document references the
manifest records are read in that same snapshot. Then every object of the store is copied,
checked against its key (its SHA-256). An object the snapshot references that the store no
longer has, or whose bytes no longer match their key, stops the backup: a backup that would
restore cases without their documents is refused, loudly, rather than kept.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Connection, Engine

from engine.backup import database
from engine.backup.archive import DOCUMENTS, Writer
from engine.backup.contents import Contents, read_contents, referenced_keys
from engine.backup.errors import BackupError
from engine.backup.sealing import Seal, load_public_key
from engine.ports import DocumentStore

NAME_FORMAT = "tramites-%Y%m%dT%H%M%SZ"
DESCRIPTION = ("Copia de seguridad de Trámites SMT: la base de datos y todos los documentos. "
               "Cada archivo figura en «files» con su tamaño y su suma SHA-256; los documentos se llaman "
               "por su SHA-256. Se restaura en una instalación vacía con `tramites restore <esta carpeta>` "
               "(docs/operations.md, «Copias de seguridad»).")

SEALED = (" Sus archivos están cifrados (el manifiesto no): solo los abre la clave privada de la ciudad de huella {}, "
          "que se indica con --key.")


@dataclass(frozen=True)
class Made:
    """What a backup holds: where it is, its documents and their bytes, its cases."""

    folder: Path
    documents: int
    document_bytes: int
    contents: Contents
    encrypted: bool


def platform_version() -> str:
    try:
        return metadata.version("tramites-smt")
    except metadata.PackageNotFoundError:
        return "desconocida"


def store_location(url: str) -> str:
    """Where the documents came from, for the manifest: the storage URL without any credential."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def audit_key_fingerprint(key: bytes) -> str:
    """A name of the audit trail's checkpoint key that reveals nothing of it."""
    return hashlib.sha256(b"tramites-audit-key:" + key).hexdigest()[:16]


def make_backup(engine: Engine, store: DocumentStore, into: Path, now: datetime, *,
                public_key: Path | None = None, audit_key: bytes, described: dict[str, Any] | None = None) -> Made:
    """Write a backup folder under ``into``, named after ``now`` (UTC).

    :param engine: the platform's database.
    :param store: the document store.
    :param public_key: the city's public key; the backup is sealed to it when given.
    :param audit_key: the key of the audit trail's checkpoints (only its fingerprint is kept).
    :param described: what else the manifest says of the instance (its storage, redacted).
    :raises BackupError: naming what failed; nothing that looks like a backup is left then.
    """
    seal = Seal.to(load_public_key(public_key)) if public_key is not None else None
    folder = into / now.strftime(NAME_FORMAT)
    if folder.exists():
        raise BackupError(f"Ya hay una copia {folder}: espere un segundo y vuelva a intentarlo.")
    writer = Writer(folder, seal)
    try:
        tool, (contents, needed) = _copy_database(engine, writer)
        count, size = _copy_documents(store, writer, needed)
        writer.finish({
            "description": DESCRIPTION + (SEALED.format(seal.header["recipient"]) if seal is not None else ""),
            "created_at": now.isoformat(), "platform_version": platform_version(),
            "database": {"engine": engine.dialect.name, "tool": tool, "file": database.dump_name(engine)},
            **contents.as_manifest(),
            "documents": {"objects": count, "bytes": size, "referenced": len(needed), **(described or {})},
            "audit_key_fingerprint": audit_key_fingerprint(audit_key),
        })
    except BaseException:
        writer.abandon()
        raise
    return Made(folder, count, size, contents, seal is not None)


def _copy_database(engine: Engine, writer: Writer) -> tuple[str, tuple[Contents, set[str]]]:
    def read(conn: Connection) -> tuple[Contents, set[str]]:
        return read_contents(conn), referenced_keys(conn)

    with tempfile.TemporaryDirectory(prefix="tramites-backup-") as scratch:
        dumped = Path(scratch) / "dump"
        tool, found = database.dump(engine, dumped, read)
        with open(dumped, "rb") as source:
            writer.add(database.dump_name(engine), source)
    return tool, found


def _copy_documents(store: DocumentStore, writer: Writer, needed: set[str]) -> tuple[int, int]:
    """Copy every object of the store; each must hash to its key, and none the database needs may be missing."""
    count = size = 0
    copied: set[str] = set()
    for item in sorted(store.iter_objects(), key=lambda i: i.key):
        with store.get(item.key) as stream:
            entry = writer.add(document_path(item.key), stream)
        if entry.sha256 != item.key:
            raise BackupError(f"El documento {item.key} del almacenamiento está dañado: su contenido tiene otra "
                              f"suma SHA-256 ({entry.sha256}). Recupérelo antes de copiar.")
        copied.add(item.key)
        count, size = count + 1, size + entry.bytes
    missing = sorted(needed - copied)
    if missing:
        shown = ", ".join(missing[:5]) + (f" y {len(missing) - 5} más" if len(missing) > 5 else "")
        raise BackupError(f"Faltan en el almacenamiento {len(missing)} documento(s) que la base de datos usa: {shown}.")
    return count, size


def document_path(key: str) -> str:
    """Where the object ``key`` sits in a backup."""
    return f"{DOCUMENTS}/{key[:2]}/{key[2:]}"
