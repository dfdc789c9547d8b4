"""``tramites worker``: a Celery worker for the background work (production)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.background.workers import EXTENSION_KEY
from engine.observability import logs


@click.command()
@with_appcontext
@click.option("--beat/--no-beat", default=False, show_default=True,
              help="Also run the schedule of due work (timers, retries). Exactly one worker should.")
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--loglevel", default="INFO", show_default=True)
def worker(beat: bool, concurrency: int, loglevel: str) -> None:
    """Run a Celery worker on TRAMITES_BROKER_URL (deliveries, timers, retries)."""
    celery = current_app.extensions.get(EXTENSION_KEY)
    if celery is None:
        click.echo("TRAMITES_BROKER_URL no está configurada: el trabajo en segundo plano corre dentro de "
                   "`tramites serve`.", err=True)
        sys.exit(2)
    settings = current_app.config["TRAMITES"]
    logs.configure(settings["LOG_FORMAT"], settings["LOG_LEVEL"])
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--pool=threads"]
    if beat:
        argv.append("--beat")
    celery.worker_main(argv)
