"""The backup folder: its files, written plain or sealed, and ``manifest.json``, which lists them.

Layout (one folder per backup, ``tramites-AAAAMMDDTHHMMSSZ``)::

    manifest.json           what the backup holds, readable by anyone (see docs/operations.md)
    database/tramites.pgdump  or  database/tramites.sqlite
    documents/ab/cdef…      every object of the document store, named by its SHA-256

Every file's size and SHA-256 (of its plain bytes) are in the manifest; reading a file back
checks both, so a changed byte is found and named. A folder is written as ``<name>.partial``
and renamed when complete: a backup that shows under its final name is whole.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from engine.backup.errors import BackupError, Tampered, WrongKey
from engine.backup.sealing import CHUNK, Seal, load_private_key

MANIFEST = "manifest.json"
FORMAT = "tramites-backup"
FORMAT_VERSION = 1
PARTIAL = ".partial"
DOCUMENTS = "documents"
#: A stored object's place in a backup: ``documents/`` and its SHA-256, split after two digits.
DOCUMENT_PATH = re.compile(r"documents/[0-9a-f]{2}/[0-9a-f]{62}")


@dataclass(frozen=True)
class Entry:
    """One file of the backup, as the manifest lists it."""

    path: str
    bytes: int
    sha256: str


class _Hashing:
    """Reads a stream through, counting and hashing what passes."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.size = 0
        self._hash = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        data = self._source.read(size)
        self.size += len(data)
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class Writer:
    """Writes a backup into ``<folder>.partial``; :meth:`finish` writes the manifest and renames it."""

    def __init__(self, folder: Path, seal: Seal | None) -> None:
        self.folder = folder
        self.partial = folder.with_name(folder.name + PARTIAL)
        self._seal = seal
        self.entries: list[Entry] = []
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            self.partial.mkdir(mode=0o700)  # the whole city's personal data: its operators only
        except OSError as e:
            raise BackupError(f"No se pudo crear la carpeta de la copia {self.partial}: {e}") from e

    def add(self, path: str, source: BinaryIO) -> Entry:
        """Copy ``source`` into the backup as ``path`` (sealed when the backup is), hashing its bytes."""
        target = self.partial / path
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        reader = _Hashing(source)
        with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            if self._seal is not None:
                self._seal.seal(path, reader, out)  # type: ignore[arg-type]
            else:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        entry = Entry(path, reader.size, reader.hexdigest())
        self.entries.append(entry)
        return entry

    def finish(self, manifest: dict[str, Any]) -> Path:
        """Write the manifest (with every file's checksum) and give the folder its final name."""
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest,
                    "files": [asdict(e) for e in self.entries]}
        if self._seal is not None:
            manifest["encryption"] = {**self._seal.header, "manifest_mac": ""}
            manifest["encryption"]["manifest_mac"] = self._seal.mac(_canonical(manifest))
        with open(os.open(self.partial / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w",
                  encoding="utf-8") as out:
            out.write(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        os.replace(self.partial, self.folder)
        return self.folder

    def abandon(self) -> None:
        """Remove what was written: a failed backup leaves nothing that looks like one."""
        shutil.rmtree(self.partial, ignore_errors=True)


def _canonical(manifest: dict[str, Any]) -> bytes:
    """The bytes the manifest's MAC covers: the manifest with an empty MAC, keys sorted."""
    copy = json.loads(json.dumps(manifest))
    if isinstance(copy.get("encryption"), dict):
        copy["encryption"]["manifest_mac"] = ""
    return json.dumps(copy, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class Reader:
    """A backup folder, its manifest checked (and its seal opened with ``key_path`` when sealed)."""

    def __init__(self, folder: Path, key_path: Path | None = None) -> None:
        self.folder = folder
        self.manifest = _read_manifest(folder)
        self._seal = self._open_seal(key_path)
        self.entries = {e["path"]: Entry(**e) for e in self.manifest["files"]}

    def _open_seal(self, key_path: Path | None) -> Seal | None:
        header = self.manifest.get("encryption")
        if not header:
            return None
        if key_path is None:
            raise WrongKey(f"La copia está cifrada (clave de huella {header.get('recipient')}): "
                           "indique la clave privada con --key.")
        seal = Seal.opened_with(load_private_key(key_path), header)
        if not _same(seal.mac(_canonical(self.manifest)), str(header.get("manifest_mac"))):
            raise Tampered(f"{MANIFEST}: fue modificado después de escrita la copia (no coincide su firma).")
        return seal

    @property
    def encrypted(self) -> bool:
        return self._seal is not None

    def chunks(self, path: str) -> Iterator[bytes]:
        """Yield the plain bytes of ``path``; after the last, check its size and SHA-256.

        :raises Tampered: naming the file when it is missing, changed or damaged.
        """
        entry = self.entries.get(path)
        if entry is None:
            raise Tampered(f"{path}: el manifiesto no lo lista.")
        digest, size = hashlib.sha256(), 0
        try:
            with open(self.folder / path, "rb") as handle:
                for chunk in self._seal.open(path, handle) if self._seal else iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    yield chunk
        except FileNotFoundError as e:
            raise Tampered(f"{path}: falta en la copia.") from e
        if size != entry.bytes or digest.hexdigest() != entry.sha256:
            raise Tampered(f"{path}: su contenido no coincide con la suma SHA-256 del manifiesto "
                           "(el archivo fue modificado o está dañado).")

    def verify(self) -> int:
        """Read every file through: each must match the manifest. :return: the bytes checked."""
        total = 0
        for path in self.entries:
            for chunk in self.chunks(path):
                total += len(chunk)
        return total

    def copy_to(self, path: str, target: Path) -> None:
        """Write the plain bytes of ``path`` into ``target`` (checked on the way)."""
        with open(target, "wb") as out:
            for chunk in self.chunks(path):
                out.write(chunk)


class ChunkStream:
    """A readable stream over :meth:`Reader.chunks` (what a document store's ``put`` reads)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()  # grows in place: a 5 MB S3 part is not copied once per 64 KiB chunk

    def read(self, size: int = -1, /) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer.extend(chunk)
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


@contextmanager
def unpacked(path: Path) -> Iterator[Path]:
    """The backup folder at ``path``, or inside the tar file at ``path`` (unpacked in a temporary folder).

    A tar is what an operator makes to move a backup off the machine (``tar -cf copia.tar tramites-…``);
    it is unpacked with the ``data`` filter, which refuses links, devices and paths outside the folder.

    :raises BackupError: for a file that is no tar, or a tar without exactly one backup in it.
    """
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tramites-copia-") as scratch:
        try:
            with tarfile.open(path) as archive:
                archive.extractall(scratch, filter="data")
        except (tarfile.TarError, OSError) as e:
            raise BackupError(f"{path} no es una carpeta de copia ni un archivo tar legible: {e}") from e
        found = [m.parent for m in Path(scratch).glob("**/" + MANIFEST)]
        if len(found) != 1:
            raise BackupError(f"{path} debe tener una copia de seguridad (un {MANIFEST}); tiene {len(found)}.")
        yield found[0]


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} no es una copia de seguridad: no tiene {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Tampered(f"{MANIFEST}: no es JSON válido ({e}).") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Tampered(f"{MANIFEST}: no es el manifiesto de una copia de Trámites SMT.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"La copia tiene el formato {manifest.get('format_version')}; esta versión de la "
                          f"plataforma lee el formato {FORMAT_VERSION}.")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and set(f) == {"path", "bytes", "sha256"}
                                              for f in files):
        raise Tampered(f"{MANIFEST}: la lista de archivos está dañada.")
    for f in files:
        name = str(f["path"])
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise Tampered(f"{MANIFEST}: nombra un archivo fuera de la copia ({name!r}).")
        if name.startswith(DOCUMENTS + "/") and not DOCUMENT_PATH.fullmatch(name):
            raise Tampered(f"{MANIFEST}: {name!r} no es el nombre de un documento (su SHA-256).")
    return manifest
