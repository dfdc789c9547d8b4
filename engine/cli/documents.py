"""``tramites certificate``: certificates staff issue outside any process, and revocations;
``tramites documents sweep``: delete the stored documents nothing references."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn, TextIO

import click
from flask.cli import with_appcontext

from engine.casefile import expediente, sweep
from engine.db import utcnow
from engine.errors import EngineError
from engine.uow import unit_of_work
from engine.web.request import runtime

CLI_ACTOR = "cli"


@click.group()
def certificate() -> None:
    """Signed certificates: issue one from a template, revoke one."""


@certificate.command("issue")
@with_appcontext
@click.option("--template", "template", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path), help="Carpeta con template.html.")
@click.option("--data", "data_file", required=True, type=click.File("r", encoding="utf-8"),
              help="Datos del certificado (JSON).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Dónde escribir el PDF firmado.")
@click.option("--title", default="Certificado", show_default=True, help="Qué certifica.")
def issue(template: Path, data_file: TextIO, out: Path, title: str) -> None:
    """Render TEMPLATE with DATA, sign it, register it; the verification code is the last line."""
    rt = runtime()
    try:
        data = json.load(data_file)
    except json.JSONDecodeError as e:
        _fail(f"{data_file.name} no es JSON válido: {e}")
    if not isinstance(data, dict):
        _fail("Los datos deben ser un objeto JSON.")
    if rt.documents.issue_certificate is None:
        _fail("No hay un conector de documentos configurado.")
    try:
        result = rt.documents.issue_certificate(str(template), data, title)
        with unit_of_work():
            expediente.register_certificate(None, result, CLI_ACTOR)
    except Exception as e:  # connector and engine errors carry a message people may read
        _fail(getattr(e, "message", None) or str(e))
    with rt.documents.store.get(result["clave"]) as stream:
        out.write_bytes(stream.read())
    click.echo(f"Certificado firmado en {out} ({result['bytes']} bytes). Verificación: {result['url_verificacion']}")
    click.echo(result["codigo"])


@certificate.command("revoke")
@with_appcontext
@click.argument("code")
@click.option("--reason", required=True, help="Por qué se revoca (se muestra al verificar).")
def revoke(code: str, reason: str) -> None:
    """Revoke the certificate with CODE: verification then says it was revoked."""
    found = expediente.find_certificate(code)
    if found is None:
        _fail(f"No hay un certificado con el código {code}.")
    try:
        with unit_of_work():
            expediente.revoke(found.code, reason, CLI_ACTOR, utcnow())
    except EngineError as e:
        _fail(e.message)
    click.echo(f"Certificado {found.code} revocado.")


@click.group()
def documents() -> None:
    """The document store."""


@documents.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Delete the stored objects no document, certificate or pending upload references.

    Only objects stored more than an hour ago go (an upload in progress is safe); the
    background work runs the same sweep every TRAMITES_DOCUMENT_SWEEP_MINUTES.
    """
    try:
        report = sweep.sweep(runtime().documents.store, unit_of_work, utcnow())
    except Exception as e:  # the store's errors carry a message staff may read
        _fail(getattr(e, "message", None) or str(e))
    freed = f"{report.freed_bytes / (1024 * 1024):.1f}".replace(".", ",")
    click.echo(f"Documentos revisados: {report.examined}; borrados: {report.deleted} ({freed} MB liberados); "
               f"subidas descartadas olvidadas: {report.released_forgotten}.")


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
