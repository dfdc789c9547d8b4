"""A backup moved off the machine as one tar file restores from it; a tar that is no backup is refused."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from tests.backup.population import cli_backup, cli_restore, observe, populate
from tests.fixtures.database import SQLITE_ONLY


@SQLITE_ONLY
def test_a_tar_of_a_backup_restores_like_its_folder(make_app: Callable[..., Flask], fresh_app: Callable[..., Flask],
                                                    source_settings: dict[str, Any], tmp_path: Path) -> None:
    source = make_app(**source_settings)
    population = populate(source, tmp_path)
    folder = cli_backup(source, tmp_path / "copias")
    packed = tmp_path / "copia.tar"
    with tarfile.open(packed, "w") as archive:
        archive.add(folder, arcname=folder.name)
    target = fresh_app()
    restored = cli_restore(target, packed)
    assert restored.exit_code == 0, restored.output
    assert observe(target, population) == observe(source, population)


@SQLITE_ONLY
def test_a_file_that_is_no_backup_is_refused(fresh_app: Callable[..., Flask], tmp_path: Path) -> None:
    target = fresh_app()
    text = tmp_path / "notas.txt"
    text.write_text("no es una copia")
    refused = cli_restore(target, text)
    assert refused.exit_code == 1 and "no es una carpeta de copia ni un archivo tar legible" in refused.output
    empty = tmp_path / "vacio.tar"
    with tarfile.open(empty, "w") as archive:
        archive.addfile(tarfile.TarInfo("LEEME"), io.BytesIO(b""))
    refused = cli_restore(target, empty)
    assert refused.exit_code == 1 and "debe tener una copia de seguridad (un manifest.json); tiene 0" in refused.output
    escaping = tmp_path / "escapa.tar"
    with tarfile.open(escaping, "w") as archive:
        link = tarfile.TarInfo("copia/manifest.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    refused = cli_restore(target, escaping)
    assert refused.exit_code == 1 and "no es una carpeta de copia ni un archivo tar legible" in refused.output
