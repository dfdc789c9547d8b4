"""``tramites cifras``: refresh the public figures and publish the open data now, or seed the demo's history."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engine.figures import demo, opendata, refresh
from engine.figures.schedule import OPEN_DATA_PATH
from engine.uow import unit_of_work
from engine.web.request import runtime


@click.group("cifras")
def figures() -> None:
    """The public figures (/datos/) and the open data."""


@figures.command("actualizar")
@with_appcontext
def update() -> None:
    """Recompute the months that can still change and publish the open data, without waiting for the schedule."""
    rt = runtime()
    now, zone, config = rt.clock(), rt.settings["TIMEZONE"], rt.figures
    with unit_of_work():
        months = refresh.refresh(now, zone, config.hex_m)
        base_url = str(rt.settings["PUBLIC_URL"] or "").rstrip("/") + OPEN_DATA_PATH
        files = opendata.publish(now, base_url, config.min_count, config.hex_m, config.every_minutes)
    click.echo(f"Cifras: {len(months)} meses recalculados; datos abiertos publicados: {', '.join(files)}.")


@figures.command("demo")
@with_appcontext
def seed_demo() -> None:
    """Add a year of demonstration cases (only for the embedded demo; nothing when they are there), then publish."""
    with unit_of_work():
        added = demo.seed(runtime().clock())
    click.echo(f"Casos de demostración para las cifras: {added} nuevos.")
    update.callback()  # type: ignore[misc]
