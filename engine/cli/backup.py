"""``tramites backup``, ``tramites restore`` and ``tramites backup-key`` (docs/operations.md, "Copias de seguridad")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from engine.backup.archive import Reader, unpacked
from engine.backup.errors import BackupError
from engine.backup.restore import Restored, check_restored, restore_backup
from engine.backup.sealing import fingerprint, generate_key, load_public_key
from engine.db import db, utcnow
from engine.settings import redact_url
from engine.web.request import runtime

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory


@click.command("backup")
@with_appcontext
@click.option("--dir", "into", type=click.Path(file_okay=False, path_type=Path),
              help="Carpeta donde dejar la copia (por omisión TRAMITES_BACKUP_DIR).")
@click.option("--encrypt-to", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Clave pública de la ciudad a la que cifrar la copia (por omisión TRAMITES_BACKUP_PUBLIC_KEY).")
def backup(into: Path | None, public_key: Path | None) -> None:
    """Write one consistent backup of the database and the documents; its folder is the last line."""
    rt = runtime()
    folder = into or Path(rt.settings["BACKUP_DIR"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        made = rt.make_backup(folder, utcnow(), public_key)
    except Exception as e:
        _fail(_why(e))
    finally:
        db.session.remove()
    cases = sum(made.contents.cases.values())
    megabytes = f"{made.document_bytes / (1024 * 1024):.1f}".replace(".", ",")
    sealed = "cifrada" if made.encrypted else "sin cifrar"
    click.echo(f"Copia {sealed}: {cases} expedientes, {made.documents} documentos ({megabytes} MB), "
               f"esquema {made.contents.migration}.")
    click.echo(str(made.folder))


@click.command("restore")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Clave privada de la ciudad, para una copia cifrada.")
@click.option("--force", is_flag=True, help="Borrar lo que tenga la base de destino antes de restaurar.")
def restore(folder: Path, key: Path | None, force: bool) -> None:
    """Rebuild this (empty) instance from a backup folder (or a tar of one), then verify documents and audit trail."""
    try:
        with unpacked(folder) as found:
            restored, documents = _restore_from(found, key, force)
    except Exception as e:
        _fail(_why(e))
    finally:
        db.session.remove()
    _report(restored, documents)


def _restore_from(folder: Path, key: Path | None, force: bool) -> tuple[Restored, int]:
    rt = runtime()
    reader = Reader(folder, key)
    click.echo(f"Copia del {reader.manifest.get('created_at')}, versión {reader.manifest.get('platform_version')}"
               f"{', cifrada' if reader.encrypted else ''}: se verifican sus archivos.")
    documents = restore_backup(reader, db.engine, rt.documents.store, force=force, knows_revision=_knows_revision)
    migrated = _migrate_if_older(reader.manifest.get("migration_head"))
    return check_restored(reader, db.engine, rt.documents.store, rt.audit_key(), migrated=migrated), documents


def _why(error: Exception) -> str:
    """One line for the operator: ours say what failed; the store's and the database's, which is down.

    :raises Exception: ``error`` itself when it is none of those (a bug: its traceback is wanted).
    """
    if isinstance(error, BackupError):
        return error.message
    if isinstance(error, OSError):
        return f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")
    if isinstance(error, OperationalError):
        url = redact_url(str(runtime().settings["DATABASE_URL"]))
        return f"la base de datos no responde ({url}): {str(error.orig).strip().splitlines()[0]}"
    if hasattr(error, "public_message"):  # the document store's errors (storage/ is not ours to import)
        return f"{error.public_message} ({error})"
    raise error


def _report(restored: Restored, documents: int) -> None:
    cases = ", ".join(f"{n} {status}" for status, n in sorted(restored.contents.cases.items())) or "ninguno"
    click.echo(f"Restaurados: expedientes ({cases}), {documents} documentos verificados contra su SHA-256.")
    for problem in restored.problems:
        click.echo(f"Error: {problem}", err=True)
    if restored.audit is not None:
        for line in restored.audit.lines(runtime().settings["TIMEZONE"]):
            click.echo(line, err=not restored.audit.intact)
    if not restored.whole:
        sys.exit(1)
    click.echo("Restauración completa y verificada.")


def _knows_revision(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def _scripts() -> ScriptDirectory:
    from alembic.config import Config  # Alembic: only for the commands that touch the schema
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config)


def _migrate_if_older(head: str | None) -> bool:
    """Migrate a restored schema older than the code's; :return: whether it was migrated."""
    if head is None or set(head.split(",")) == set(_scripts().get_heads()):
        return False
    from flask_migrate import upgrade

    click.echo(f"La copia tiene el esquema {head}: se migra al de esta versión.")
    db.session.remove()
    upgrade()
    return True


@click.command("backup-key")
@click.argument("private_key", type=click.Path(dir_okay=False, path_type=Path))
def backup_key(private_key: Path) -> None:
    """Create the city's backup key: PRIVATE_KEY (keep it offline) and PRIVATE_KEY.pub (for the servers)."""
    try:
        public = generate_key(private_key)
    except BackupError as e:
        _fail(e.message)
    click.echo(f"Clave privada en {private_key}: guárdela fuera de los servidores; sin ella no se restaura una copia "
               "cifrada.")
    click.echo(f"Clave pública en {public} (huella {fingerprint(load_public_key(public))}): "
               "configúrela en TRAMITES_BACKUP_PUBLIC_KEY.")


COMMANDS = (backup, restore, backup_key)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
