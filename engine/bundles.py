"""Deployment bundles: the files of one procedure, read from a folder, a zip or an upload."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from engine.errors import BundleError

MANIFEST = "manifest.yaml"
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
MAX_FILES = 200
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")


@dataclass(frozen=True)
class Bundle:
    """The files of a bundle by relative name, and its parsed manifest (may be empty)."""

    files: Mapping[str, bytes]
    manifest: Mapping[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """SHA-256 over names and contents: an unchanged bundle hashes the same."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()

    def names(self, suffix: str) -> list[str]:
        return sorted(n for n in self.files if n.endswith(suffix))


def bundle_from_files(files: Mapping[str, bytes]) -> Bundle:
    """Build a bundle from name → bytes, checking names and sizes and reading the manifest.

    :raises BundleError: for unsafe names, too many or too large files, or a bad manifest.
    """
    if not files:
        raise BundleError("El paquete está vacío: no contiene archivos.")
    if len(files) > MAX_FILES:
        raise BundleError(f"El paquete tiene más de {MAX_FILES} archivos.")
    if sum(len(v) for v in files.values()) > MAX_BUNDLE_BYTES:
        raise BundleError("El paquete supera los 20 MB.")
    clean: dict[str, bytes] = {}
    for name, content in files.items():
        normal = str(PurePosixPath(name.replace("\\", "/")))
        if normal.startswith(("/", "..")) or ".." in normal.split("/") or not _SAFE_NAME.match(normal):
            raise BundleError(f"Nombre de archivo no permitido en el paquete: {name!r}")
        clean[normal] = content
    return Bundle(files=clean, manifest=_read_manifest(clean.get(MANIFEST)))


def _read_manifest(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        manifest = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        raise BundleError(f"{MANIFEST}: no es YAML válido ({e})") from e
    if manifest is None:
        return {}
    if not isinstance(manifest, dict):
        raise BundleError(f"{MANIFEST}: debe ser un mapa de claves y valores")
    return manifest


def bundle_from_path(path: Path) -> Bundle:
    """Read a bundle from a folder or a ``.zip`` of one.

    :raises BundleError: when the path is neither, or the zip is unsafe.
    """
    if path.is_dir():
        files = {
            str(p.relative_to(path).as_posix()): p.read_bytes()
            for p in sorted(path.rglob("*"))
            if p.is_file() and not any(part.startswith((".", "__")) for part in p.relative_to(path).parts)
        }
        return bundle_from_files(files)
    if path.suffix == ".zip" and path.is_file():
        return bundle_from_zip(path.read_bytes())
    raise BundleError(f"{path}: no es una carpeta ni un .zip")


def bundle_from_zip(data: bytes) -> Bundle:
    """Read a bundle from zip bytes, refusing zip bombs and unsafe member names."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise BundleError("El archivo .zip está dañado.") from e
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_BUNDLE_BYTES:
        raise BundleError("El paquete descomprimido supera los 20 MB.")
    files = {m.filename: archive.read(m) for m in members if not m.filename.startswith("__MACOSX/")}
    prefix = _common_folder(list(files))
    return bundle_from_files({name[len(prefix):]: content for name, content in files.items()})


def _common_folder(names: list[str]) -> str:
    """A zip of a folder holds ``folder/…``; strip that one shared top folder."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""
