"""Backup → restore into a fresh database and store → the same instance, and it runs on.

On SQLite with the local folder and on PostgreSQL (``pg_dump``/``pg_restore``) with S3.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from tests.backup.population import Population, cli_backup, cli_restore, observe, populate, sequence
from tests.fixtures.engine import ApiClient


def _round_trip(make_app: Callable[..., Flask], fresh_app: Callable[..., Flask], source_settings: dict[str, Any],
                tmp_path: Path, *backup_args: str, restore_args: tuple[str, ...] = ()) -> tuple[Flask, Population]:
    source = make_app(**source_settings)
    population = populate(source, tmp_path)
    before = observe(source, population)
    folder = cli_backup(source, tmp_path / "copias", *backup_args)
    target = fresh_app()
    restored = cli_restore(target, folder, *restore_args)
    assert restored.exit_code == 0, restored.output
    assert "Restauración completa y verificada." in restored.output
    assert "Registro de auditoría íntegro" in restored.output
    assert observe(target, population) == before
    return target, population


def test_a_backup_restores_every_case_document_and_certificate_and_the_platform_runs_on(
        make_app: Callable[..., Flask], fresh_app: Callable[..., Flask], source_settings: dict[str, Any],
        tmp_path: Path) -> None:
    target, population = _round_trip(make_app, fresh_app, source_settings, tmp_path)
    api = ApiClient(target, population.token)
    assert api.get(f"/verificar/{population.certificate_code}").status_code == 200
    # a further task completes on the restored instance…
    task = api.ready_task(population.running, "revisar")
    assert api.complete(task["id"], {"completo": True, "observaciones": ""}).status_code == 200
    assert api.instance(population.running)["status"] == "completed"
    # …and a new case gets the next number, not one the backup already used
    numbers = [api.instance(case)["number"] for case in population.cases]
    started = api.start("tramite_simple", {"solicitante": "Elena"})
    assert started.status_code == 201, started.get_json()
    assert sequence(started.get_json()["number"]) == max(sequence(n) for n in numbers) + 1
    verified = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "íntegro" in verified.output, verified.output


def test_a_sealed_backup_restores_with_the_citys_private_key(
        make_app: Callable[..., Flask], fresh_app: Callable[..., Flask], source_settings: dict[str, Any],
        tmp_path: Path) -> None:
    key = tmp_path / "ciudad.key"
    made = make_app(**source_settings).test_cli_runner().invoke(args=["backup-key", str(key)])
    assert made.exit_code == 0, made.output
    _round_trip(make_app, fresh_app, source_settings, tmp_path, "--encrypt-to", f"{key}.pub",
                restore_args=("--key", str(key)))


def test_the_manifest_says_what_the_backup_holds(make_app: Callable[..., Flask], source_settings: dict[str, Any],
                                                 tmp_path: Path) -> None:
    source = make_app(**source_settings)
    populate(source, tmp_path)
    folder = cli_backup(source, tmp_path / "copias")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    # the city's personal data: readable by the operator who made it, no one else
    assert folder.stat().st_mode & 0o077 == 0
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.rglob("*") if p.is_file())
    assert manifest["format"] == "tramites-backup" and manifest["platform_version"]
    assert manifest["cases_by_status"] == {"running": 1, "completed": 2, "error": 1, "terminated": 1}
    assert manifest["rows_by_table"]["instances"] == 5 and manifest["migration_head"]
    engine = "postgresql" if str(source.config["TRAMITES"]["DATABASE_URL"]).startswith("postgresql") else "sqlite"
    assert manifest["database"]["engine"] == engine
    paths = [f["path"] for f in manifest["files"]]
    assert manifest["database"]["file"] in paths
    documents = [f for f in manifest["files"] if f["path"].startswith("documents/")]
    # the upload, the certificate and the audit checkpoint at least; each named by its SHA-256
    assert len(documents) == manifest["documents"]["objects"] >= 3
    assert all(f["path"].replace("/", "")[len("documents"):] == f["sha256"] for f in documents)
    assert "encryption" not in manifest
    store = str(source.config["TRAMITES"]["STORAGE_URL"])
    assert manifest["documents"]["store"].startswith(store.split(":", 1)[0] + "://")
    assert "secreto" not in json.dumps(manifest) and "@" not in manifest["documents"]["store"]  # no S3 credential
