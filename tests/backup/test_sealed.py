"""Backups sealed to the city's key: only its private key opens them, and any change is refused.

The sealing does not depend on the database: these tests run on SQLite only.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.backup.archive import ChunkStream
from engine.backup.errors import BackupError, Tampered, WrongKey
from engine.backup.sealing import CHUNK, TAG, Seal, fingerprint, generate_key, load_private_key, load_public_key
from tests.backup.population import cli_backup, cli_restore, populate
from tests.fixtures.database import SQLITE_ONLY


@pytest.fixture(scope="module")
def city_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("clave") / "ciudad.key"
    generate_key(key)
    return key


@pytest.fixture
def sealed(make_app: Callable[..., Flask], source_settings: dict[str, Any], tmp_path: Path, city_key: Path) -> Path:
    source = make_app(**source_settings)
    populate(source, tmp_path)
    return cli_backup(source, tmp_path / "copias", "--encrypt-to", f"{city_key}.pub")


@SQLITE_ONLY
def test_a_sealed_backup_hides_its_files_but_not_its_manifest(sealed: Path, city_key: Path) -> None:
    manifest = json.loads((sealed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["encryption"]["recipient"] == fingerprint(load_public_key(Path(f"{city_key}.pub")))
    assert manifest["encryption"]["scheme"].startswith("x25519")
    assert f"solo los abre la clave privada de la ciudad de huella {manifest['encryption']['recipient']}" \
        in manifest["description"]
    dump = next((sealed / "database").iterdir()).read_bytes()
    assert not dump.startswith(b"SQLite format 3")  # sealed, not the plain database
    assert manifest["cases_by_status"]["running"] == 1


@SQLITE_ONLY
def test_without_the_key_or_with_another_the_restore_says_so(sealed: Path, fresh_app: Callable[..., Flask],
                                                             tmp_path: Path) -> None:
    target = fresh_app()
    missing = cli_restore(target, sealed)
    assert missing.exit_code == 1 and "La copia está cifrada" in missing.output and "--key" in missing.output
    other = tmp_path / "otra.key"
    generate_key(other)
    wrong = cli_restore(target, sealed, "--key", str(other))
    assert wrong.exit_code == 1 and "no es la de esta copia" in wrong.output
    garbage = tmp_path / "basura.key"
    garbage.write_text("no es una clave")
    unreadable = cli_restore(target, sealed, "--key", str(garbage))
    assert unreadable.exit_code == 1 and "No se pudo leer la clave privada" in unreadable.output


@SQLITE_ONLY
def test_a_changed_byte_of_a_sealed_file_is_refused_naming_it(sealed: Path, fresh_app: Callable[..., Flask],
                                                              city_key: Path) -> None:
    document = next(p for p in sorted((sealed / "documents").rglob("*")) if p.is_file())
    data = bytearray(document.read_bytes())
    data[len(data) // 2] ^= 0x01
    document.write_bytes(bytes(data))
    refused = cli_restore(fresh_app(), sealed, "--key", str(city_key))
    assert refused.exit_code == 1
    assert f"{document.relative_to(sealed).as_posix()}: está alterado o dañado" in refused.output


@SQLITE_ONLY
def test_an_edited_manifest_is_refused(sealed: Path, fresh_app: Callable[..., Flask], city_key: Path) -> None:
    manifest = json.loads((sealed / "manifest.json").read_text(encoding="utf-8"))
    manifest["cases_by_status"]["running"] = 7
    (sealed / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    refused = cli_restore(fresh_app(), sealed, "--key", str(city_key))
    assert refused.exit_code == 1 and "manifest.json: fue modificado" in refused.output


# The stream itself, without an instance.

SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK]


def _seal(key: Path, data: bytes, path: str = "documents/x") -> tuple[Seal, bytes]:
    seal = Seal.to(load_public_key(Path(f"{key}.pub")))
    out = io.BytesIO()
    seal.seal(path, io.BytesIO(data), out)
    return seal, out.getvalue()


def _open(key: Path, seal: Seal, sealed: bytes, path: str = "documents/x") -> bytes:
    opened = Seal.opened_with(load_private_key(key), seal.header)
    return b"".join(opened.open(path, io.BytesIO(sealed)))


@pytest.mark.parametrize("size", SIZES)
def test_every_size_opens_to_the_same_bytes(city_key: Path, size: int) -> None:
    data = os.urandom(size)
    seal, sealed = _seal(city_key, data)
    assert len(sealed) == size + TAG * max(1, -(-size // CHUNK))
    assert _open(city_key, seal, sealed) == data


def test_a_cut_reordered_or_renamed_file_does_not_open(city_key: Path) -> None:
    seal, sealed = _seal(city_key, os.urandom(3 * CHUNK))
    part = CHUNK + TAG
    with pytest.raises(Tampered):
        _open(city_key, seal, sealed[:2 * part])  # the last chunk cut off at a chunk's end
    with pytest.raises(Tampered):
        _open(city_key, seal, sealed[part:2 * part] + sealed[:part] + sealed[2 * part:])
    with pytest.raises(Tampered):
        _open(city_key, seal, sealed, path="documents/y")  # another file's place in the backup


def test_keys_are_never_overwritten_stay_private_and_open_only_their_backups(city_key: Path, tmp_path: Path) -> None:
    key = tmp_path / "otra.key"
    generate_key(key)
    assert key.stat().st_mode & 0o077 == 0
    with pytest.raises(BackupError, match="ya existe"):
        generate_key(key)
    seal, _ = _seal(city_key, b"datos")
    with pytest.raises(WrongKey, match="no es la de esta copia"):
        Seal.opened_with(load_private_key(key), seal.header)
    with pytest.raises(BackupError, match="No se pudo leer la clave pública"):
        load_public_key(key)  # the private half where the public one is expected


def test_a_restore_reads_the_chunks_in_any_sizes_the_store_asks_for() -> None:
    data = os.urandom(5 * CHUNK + 17)
    pieces = iter([data[i:i + CHUNK] for i in range(0, len(data), CHUNK)])
    stream = ChunkStream(pieces)
    read = [stream.read(size) for size in (1, 3 * CHUNK, 7)]
    assert b"".join([*read, stream.read(-1), stream.read(10)]) == data
