"""``tramites audit``: verify the audit trail's chains against their last checkpoint, or sign one now."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from engine.audit import checkpoints
from engine.audit.verify import verify as verify_trail
from engine.dates import moment_text
from engine.db import db
from engine.uow import unit_of_work
from engine.web.request import runtime


@click.group()
def audit() -> None:
    """The audit trail: verify that it is whole, sign a checkpoint."""


@audit.command("verify")
@with_appcontext
def verify() -> None:
    """Walk every chain; one line per broken link (exit 1), or one line when the trail is whole."""
    rt = runtime()
    try:
        report = verify_trail(rt.documents.store, rt.audit_key())
    finally:
        db.session.remove()
    for line in report.lines(rt.settings["TIMEZONE"]):
        click.echo(line)
    if not report.intact:
        sys.exit(1)


@audit.command("checkpoint")
@with_appcontext
def checkpoint() -> None:
    """Sign a checkpoint of every chain's head now (the background work does it on its schedule)."""
    rt = runtime()
    with unit_of_work():
        row = checkpoints.write(rt.documents.store, rt.audit_key(), rt.clock())
        if row is None:
            click.echo("Sin cambios desde el último punto de control.")
            return
        click.echo(f"Punto de control del {moment_text(row.created_at, rt.settings['TIMEZONE'])}: "
                   f"{row.events} eventos en {row.chains} cadenas (documento {row.document}).")
