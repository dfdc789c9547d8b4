"""What a restore refuses, with a message naming what failed, before it writes anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect

from engine.backup import database
from engine.backup.errors import BackupError
from engine.db import db
from engine.runtime import EXTENSION_KEY
from tests.backup.population import cli_backup, cli_restore, populate
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.require import free_port


@pytest.fixture
def backup(make_app: Callable[..., Flask], source_settings: dict[str, Any], tmp_path: Path) -> Path:
    source = make_app(**source_settings)
    populate(source, tmp_path)
    return cli_backup(source, tmp_path / "copias")


def _flip(path: Path, where: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    path.write_bytes(bytes(data))


def _document(folder: Path) -> Path:
    return next(p for p in sorted((folder / "documents").rglob("*")) if p.is_file())


def _dump(folder: Path) -> Path:
    return next((folder / "database").iterdir())


def _untouched(app: Flask) -> bool:
    with app.app_context():
        return not inspect(db.engine).get_table_names()


@pytest.mark.parametrize("damaged", [_document, _dump], ids=["document", "database-dump"])
def test_a_changed_byte_is_refused_naming_the_file_and_nothing_is_written(
        backup: Path, fresh_app: Callable[..., Flask], damaged: Callable[[Path], Path]) -> None:
    file = damaged(backup)
    _flip(file)
    target = fresh_app()
    refused = cli_restore(target, backup)
    assert refused.exit_code == 1
    name = file.relative_to(backup).as_posix()
    assert f"Error: {name}: su contenido no coincide con la suma SHA-256 del manifiesto" in refused.output
    assert _untouched(target)


def test_a_missing_file_is_named(backup: Path, fresh_app: Callable[..., Flask]) -> None:
    file = _document(backup)
    file.unlink()
    refused = cli_restore(fresh_app(), backup)
    assert refused.exit_code == 1 and f"{file.relative_to(backup).as_posix()}: falta en la copia" in refused.output


def test_a_backup_from_a_newer_schema_is_refused(backup: Path, fresh_app: Callable[..., Flask]) -> None:
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    manifest["migration_head"] = "ffffffffffff"
    (backup / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    target = fresh_app()
    refused = cli_restore(target, backup)
    assert refused.exit_code == 1 and "versión más nueva de la plataforma" in refused.output
    assert _untouched(target)


def test_a_database_that_is_not_empty_is_refused_unless_forced(backup: Path, fresh_app: Callable[..., Flask]) -> None:
    target = fresh_app()
    assert cli_restore(target, backup).exit_code == 0
    again = cli_restore(target, backup)
    assert again.exit_code == 1
    assert "La base de datos de destino no está vacía" in again.output and "--force" in again.output
    forced = cli_restore(target, backup, "--force")
    assert forced.exit_code == 0, forced.output
    assert "Restauración completa y verificada." in forced.output


def test_another_secret_key_is_named_as_the_reason_the_trail_cannot_be_verified(
        backup: Path, fresh_app: Callable[..., Flask]) -> None:
    restored = cli_restore(fresh_app(SECRET_KEY="otra-clave"), backup)
    assert restored.exit_code == 1
    assert "configure el mismo TRAMITES_SECRET_KEY" in restored.output


def test_a_backup_is_refused_when_the_store_lost_a_document_the_database_needs(
        make_app: Callable[..., Flask], source_settings: dict[str, Any], tmp_path: Path) -> None:
    source = make_app(**source_settings)
    population = populate(source, tmp_path)
    with source.app_context():
        source.extensions[EXTENSION_KEY].documents.store.delete(population.upload_key)
    refused = source.test_cli_runner().invoke(args=["backup", "--dir", str(tmp_path / "copias")])
    assert refused.exit_code == 1
    assert f"Faltan en el almacenamiento 1 documento(s) que la base de datos usa: {population.upload_key}" \
        in refused.output
    assert list((tmp_path / "copias").iterdir()) == []  # nothing that looks like a backup is left


def _edit_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@SQLITE_ONLY
def test_a_backup_of_another_kind_of_database_is_refused(backup: Path, fresh_app: Callable[..., Flask]) -> None:
    _edit_manifest(backup, lambda m: m["database"].update(engine="postgresql"))
    target = fresh_app()
    refused = cli_restore(target, backup)
    assert refused.exit_code == 1
    assert "La copia es de una base postgresql y la de destino es sqlite" in refused.output
    assert _untouched(target)


@SQLITE_ONLY
@pytest.mark.parametrize(("path", "words"), [("../../etc/passwd", "nombra un archivo fuera de la copia"),
                                             ("documents/zz/no-es-un-hash", "no es el nombre de un documento")])
def test_a_manifest_naming_files_out_of_place_is_refused(backup: Path, fresh_app: Callable[..., Flask], path: str,
                                                         words: str) -> None:
    _edit_manifest(backup, lambda m: m["files"].append({"path": path, "bytes": 1, "sha256": "0" * 64}))
    refused = cli_restore(fresh_app(), backup)
    assert refused.exit_code == 1 and words in refused.output


@SQLITE_ONLY
def test_a_store_that_does_not_answer_is_named_and_no_backup_is_left(make_app: Callable[..., Flask],
                                                                      tmp_path: Path) -> None:
    app = make_app(STORAGE_URL=f"s3://clave:secreto@127.0.0.1:{free_port()}/cubo?secure=false")
    refused = app.test_cli_runner().invoke(args=["backup", "--dir", str(tmp_path / "copias")])
    assert refused.exit_code == 1, refused.output
    assert "Error: El almacenamiento de documentos no está disponible." in refused.output
    assert "secreto" not in refused.output
    assert list((tmp_path / "copias").iterdir()) == []


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_without_pg_dump_the_backup_says_what_to_install(make_app: Callable[..., Flask], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL client there
    refused = app.test_cli_runner().invoke(args=["backup", "--dir", str(tmp_path / "copias")])
    assert refused.exit_code == 1
    assert "pg_dump no está instalado" in refused.output and "postgresql-client" in refused.output


def test_a_pg_dump_older_than_the_server_is_refused_naming_the_package(tmp_path: Path) -> None:
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.16'\n")
    old.chmod(0o755)
    with pytest.raises(BackupError, match="es de la versión 13.16 y el servidor PostgreSQL de la 15: instale "
                                          "postgresql-client-15"):
        database._check_version(str(old), 150020)
    assert database._check_version(str(old), 130004) == "13.16"
