"""The GAF payment sandbox exists only where someone asked for it (issue #16, high).

It was mounted at ``/_sandbox/gaf`` whenever ``TRAMITES_GAF_URL`` was unset, which the
README's production recipe does not set: an anonymous ``POST /_sandbox/gaf/boletas/<n>/pagar``
marked a fee paid and moved the case on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests
from click.testing import CliRunner, Result
from flask import Flask

import wsgi
from tests.fixtures.browser import LiveServer
from tests.fixtures.engine import GAF_SANDBOX, ApiClient, make_token
from tests.fixtures.require import free_port

APPLICANT = {"nombre": "Ana Pérez", "dni": "30111222", "importe": "1500.00", "referencia": "EX-2026-000001-SMT-PGF"}


def test_an_anonymous_visitor_cannot_pay_a_fee_on_a_production_configuration(
        make_app: Callable[..., Flask], live_server: Callable[..., LiveServer]) -> None:
    port = free_port()
    # As the README's production recipe: a secret key set (and PostgreSQL on that backend), no TRAMITES_GAF_URL.
    app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}")
    url = live_server(app, port).url
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy("gaf_pago").status_code == 201
    started = api.start("pago_gaf", APPLICANT).get_json()
    slip = api.instance(started["id"])["data"].get("boleta") or {"numero": "L-2026-000001"}

    paid = requests.post(f"{url}/_sandbox/gaf/boletas/{slip['numero']}/pagar", allow_redirects=False, timeout=10)

    assert paid.status_code == 404
    assert api.instance(started["id"])["status"] != "completed"
    # Only test cases' own sandbox is mounted: it knows no slip a real case holds.
    mounted = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/_sandbox")}
    assert mounted and all(rule.startswith("/_sandbox/gaf-pruebas/") for rule in mounted), mounted
    at_tests = requests.post(f"{url}/_sandbox/gaf-pruebas/boletas/{slip['numero']}/pagar", allow_redirects=False,
                             timeout=10)
    assert at_tests.status_code == 404
    assert api.instance(started["id"])["status"] != "completed"


def _tramites(tmp_path: Path, *args: str, **env: str) -> Result:
    """Run the ``tramites`` command of this checkout with only these ``TRAMITES_*`` settings."""
    settings = {"TRAMITES_INSTANCE_PATH": str(tmp_path / "instance"), **{f"TRAMITES_{k}": v for k, v in env.items()}}
    return CliRunner().invoke(wsgi.cli, list(args), env=settings)


def test_asking_for_the_sandbox_on_a_production_configuration_refuses_to_start(tmp_path: Path) -> None:
    result = _tramites(tmp_path, "check", SECRET_KEY="una-clave-de-produccion", GAF_SANDBOX="1")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "Error de configuración: TRAMITES_GAF_SANDBOX: el sandbox de GAF deja que cualquiera marque una boleta "
        "como pagada y esta configuración es de producción (TRAMITES_SECRET_KEY definida); quítelo, o acepte los "
        "pagos falsos con TRAMITES_GAF_SANDBOX_IN_PRODUCTION=acepto-pagos-falsos."]


def test_check_says_the_sandbox_is_on(tmp_path: Path) -> None:
    embedded = _tramites(tmp_path, "check")  # the embedded default: SQLite, a generated secret key
    assert "sandbox   ACTIVO" in embedded.output and "pagos falsos" in embedded.output
    accepted = _tramites(tmp_path, "check", SECRET_KEY="una-clave-de-produccion", **GAF_SANDBOX)
    assert "sandbox   ACTIVO" in accepted.output
    assert "aceptado con TRAMITES_GAF_SANDBOX_IN_PRODUCTION" in accepted.output
    off = _tramites(tmp_path, "check", GAF_SANDBOX="0")
    assert "ACTIVO" not in off.output and "pagos falsos" not in off.output
