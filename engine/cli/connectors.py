"""Commands around the connectors: list operations, run the GAF sandbox, run the sensor subscriber.

The engine may not import ``connectors/``: every command reaches them through what
``create_app`` put in the :class:`~engine.runtime.Runtime` (the registry, ``run_gaf_sandbox``,
``sensor_subscriber``).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import with_appcontext

from engine.ports import SensorFeed
from engine.web.request import runtime

SUBSCRIBE_WAIT_SECONDS = 10.0


@click.command("connectors")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
def connectors_command(as_json: bool) -> None:
    """List every connector operation with its parameter and result schemas."""
    registry = runtime().connectors
    described: list[dict[str, Any]] = registry.describe() if registry is not None else []
    if as_json:
        click.echo(json.dumps(described, ensure_ascii=False, indent=2))
        return
    if not described:
        click.echo("No hay conectores registrados.")
        return
    for op in described:
        safety = "se reintenta" if op["retry_safe"] else "no se reintenta sola"
        click.echo(f"{op['name']}  (plazo {op['timeout']:g} s, {safety})")
        if op["description"]:
            click.echo(f"  {op['description']}")
        click.echo("  parámetros: " + _schema_text(op["params"]))
        click.echo("  resultado:  " + _schema_text(op["result"]))
        click.echo("")
    click.echo(f"{len(described)} operaciones.")


def _schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, sort_keys=True).replace("\n", " ")


@click.command("gaf-sandbox")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5100, show_default=True, type=int)
@click.option("--state", "state_path", type=click.Path(dir_okay=False),
              help="Archivo JSON donde el sandbox guarda su estado (por omisión, en la carpeta de la instancia).")
def gaf_sandbox_command(host: str, port: int, state_path: str | None) -> None:
    """Run the GAF sandbox alone (same contract as GAF, play money) until interrupted."""
    run = runtime().tools.run_gaf_sandbox
    if run is None:
        click.echo("Error: esta instalación no incluye el sandbox de GAF.", err=True)
        sys.exit(1)
    click.echo(f"Sandbox de GAF en http://{host}:{port}/ (contrato en /openapi.json). Ctrl+C para terminar.")
    run(host, port, state_path)


@click.command("sensors")
@with_appcontext
def sensors_command() -> None:
    """Receive container readings over MQTT and start collections, in the foreground, until stopped."""
    factory = runtime().tools.sensor_subscriber
    if factory is None:
        click.echo("Error: los sensores están apagados; configure TRAMITES_MQTT_URL.", err=True)
        sys.exit(1)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _sensors_running(factory) as feed:
            click.echo(f"Sensores: escuchando {feed!r}. Ctrl+C para terminar.")
            while not stop.wait(1.0):
                pass
        counts = feed.stats()
        click.echo("Sensores detenidos: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _sensors_running(factory: Callable[[], SensorFeed]) -> Iterator[SensorFeed]:
    feed = factory()
    feed.start()
    if not feed.wait_until_subscribed(SUBSCRIBE_WAIT_SECONDS):
        click.echo("Aviso: el broker MQTT aún no responde; se sigue intentando.", err=True)
    try:
        yield feed
    finally:
        feed.stop()


def with_sensors(serve: click.Command) -> click.Command:
    """Return ``serve`` running the sensor subscriber alongside when ``TRAMITES_MQTT_URL`` is set.

    The command keeps its name, options and help; without MQTT it behaves exactly as before.
    """
    inner = serve.callback
    if inner is None:
        raise ValueError("serve has no callback")

    @with_appcontext
    def callback(**options: Any) -> Any:
        factory = runtime().tools.sensor_subscriber
        if factory is None:
            return inner(**options)
        with _sensors_running(factory):
            return inner(**options)

    return click.Command(serve.name, callback=callback, params=list(serve.params), help=serve.help,
                         short_help=serve.short_help)


COMMANDS = (connectors_command, gaf_sandbox_command, sensors_command)
