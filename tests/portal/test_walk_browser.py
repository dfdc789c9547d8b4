"""Every page each kind of person reaches by following links, at 390 px and at 1280 px, in Chromium.

The platform is set up as ``tramites init`` does (every procedure of processes/, the demo users)
and given a few cases so the pages have content. Then each person signs in (or not: the anonymous
visitor), must land on their own work, and walks every page linked from there (see tests/portal/walk.py).
On each page: HTTP status < 400, nothing scrolls sideways, no raw ``{{ }}``, no English page or
word, ``<html lang="es-AR">``, no CSP violation, and axe-core finds nothing. Every problem of the
run is listed at the end; the screenshots go to tests/_screens/ (or $TRAMITES_SCREENS).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from connectors.gaf.sandbox import sandbox_of
from engine.casefile.tracking import tracking_code
from engine.db import db
from engine.models import Deployment, Instance
from engine.studio import drafts
from engine.uow import unit_of_work
from tests.fixtures.browser import LiveServer
from tests.fixtures.database import SQLITE_ONLY, _empty_tables
from tests.fixtures.engine import GAF_SANDBOX, ApiClient, make_token
from tests.fixtures.parallel import SEPARATE
from tests.fixtures.require import free_port
from tests.fixtures.smtp import SmtpServer
from tests.portal.walk import Visitor, Walk, walk_all
from tests.procedures.conftest import (  # noqa: F401  (procedures_signing_p12: a fixture used by name)
    PDF_BYTES,
    PNG_BYTES,
    SIGNING_PASSWORD,
    Clock,
    Platform,
    procedures_signing_p12,
)
from wsgi import create_app

# Minutes of Chromium with a time limit: under xdist, never beside the scale-out test (tests/fixtures/parallel.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group(SEPARATE), SQLITE_ONLY]

CITIZEN = ("/", "/mis-tramites/")
INBOX = ("/bandeja/",)
#: Where each person must land after signing in (the coordinator adjusts it as those pages land).
LANDINGS: dict[str, tuple[str, ...]] = {
    "ciudadana": CITIZEN,
    **{staff: INBOX for staff in ("mesa", "inspector", "direccion", "catastro", "transito", "obras", "verdes",
                                   "defensa", "espacios", "dependencia", "compras", "contaduria", "atencion",
                                   "alumbrado", "cuadrilla", "supervisora", "hacienda")},
    "analista": ("/estudio/",),
    "auditor": ("/bandeja/expedientes", "/bandeja/expedientes/"),
    "admin": ("/administracion/",),
}
SCREENS = Path(os.environ.get("TRAMITES_SCREENS") or Path(__file__).resolve().parents[1] / "_screens")
#: Browsers walking at once (each person walks in one); the CI budget allows a few minutes.
WORKERS = int(os.environ.get("TRAMITES_WALK_WORKERS") or 3)
#: To walk as some people only while fixing their pages: TRAMITES_WALK_ONLY=anonimo,mesa
ONLY = [who for who in os.environ.get("TRAMITES_WALK_ONLY", "").split(",") if who]
CENTRO = {"lat": -26.8303, "lon": -65.2038}


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory, procedures_signing_p12: Path,  # noqa: F811
         smtp_server: SmtpServer) -> Iterator[tuple[Platform, list[str]]]:
    """The platform after ``tramites init``, with cases, served; and the anonymous visitor's entry points."""
    port = free_port()
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path_factory.mktemp("walk")),
                      "SECRET_KEY": "test-secret", "TESTING": True, "PUBLIC_URL": f"http://127.0.0.1:{port}",
                      "SIGNING_CERT": str(procedures_signing_p12), "SIGNING_PASSWORD": SIGNING_PASSWORD,
                      **GAF_SANDBOX, **smtp_server.settings()})
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    clock = Clock()
    app.extensions["tramites"].clock = clock
    server = LiveServer(app, port).start()
    platform = Platform(app, server.url, ApiClient(app, make_token(app, "pruebas", "admin")), clock, smtp_server)
    try:
        yield platform, _seed_cases(platform)
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _empty_tables(database_url)


def _seed_cases(platform: Platform) -> list[str]:
    """Cases in the states the pages show; returns the links a person gets by e-mail or QR code."""
    waiting = platform.start("habilitacion_comercial", _licence(platform))
    to_pay = platform.start("habilitacion_comercial", _licence(platform))
    to_pay.complete("revisar_documentacion", {"documentacion_completa": True})
    certificate = platform.start("certificado_catastral", _parcel())
    platform.pay(certificate.data["boleta"]["numero"])
    certificate.complete("revisar_datos", {"decision": "emitir"})
    sandbox_of(platform.app).ledger.schedule_fault(422, 1)
    failed = platform.start("certificado_catastral", _parcel())
    assert failed.incidents(), "the seeded GAF fault made no incident"
    reclamos = [platform.start("reclamo", _reclamo(category))
                for category in ("alumbrado", "baches", "residuos", "arbolado", "otros")]
    with platform.app.app_context(), unit_of_work():
        db.session.execute(update(Instance).where(Instance.id.in_([waiting.id, to_pay.id, certificate.id, failed.id]))
                           .values(started_by="ciudadana"))
        tracked = db.session.get(Instance, reclamos[0].id)
        deployment = db.session.scalars(select(Deployment).where(Deployment.key == "habilitacion_comercial")).first()
        assert tracked is not None and deployment is not None
        code = tracking_code(tracked)
        drafts.create_from_version(deployment, "analista", platform.clock())
    return [f"/seguimiento/{code}", f"/verificar/{certificate.data['certificado']['codigo']}",
            to_pay.data["boleta"]["url_boleta"]]


def _licence(platform: Platform) -> dict[str, Any]:
    return {"tipo_persona": "humana", "titular": "María Fernández", "cuit": "27301112224",
            "email": "ciudadana@example.com", "nombre_comercio": "Almacén Don Pepe", "domicilio": "San Martín 450",
            "rubro": "almacen", "superficie": 45, "dni_archivo": platform.upload("dni.pdf", PDF_BYTES),
            "titulo_archivo": platform.upload("contrato.pdf"), "plano_archivo": platform.upload("plano.png", PNG_BYTES)}


def _parcel() -> dict[str, Any]:
    return {"nombre": "María Fernández", "dni": "30111222", "email": "ciudadana@example.com",
            "motivo": "compraventa", "identificacion": "padron", "padron": "100001"}


def _reclamo(category: str) -> dict[str, Any]:
    return {"categoria": category, "descripcion": "La luminaria de la esquina está apagada.", "ubicacion": CENTRO,
            "direccion": "24 de Septiembre y Muñecas", "canal": "api", "anonimo": False}


@pytest.mark.timeout(600)  # 280 s with the seeding on two idle cores, up to 450 s under load
def test_every_page_of_every_person_reads_well_at_both_widths(site: tuple[Platform, list[str]], browser: Any) -> None:
    platform, mailed = site
    SCREENS.mkdir(parents=True, exist_ok=True)
    for old in SCREENS.glob("*.png"):
        old.unlink()
    walk, began = Walk(SCREENS), time.monotonic()
    # the analyst's walk (the studio) is the longest: it starts first
    visitors = sorted([Visitor("anonimo", None, ("/", *mailed)),
                       *(Visitor(who, f"demo-{who}", (), landings) for who, landings in LANDINGS.items())],
                      key=lambda visitor: visitor.who != "analista")
    if ONLY:
        visitors = [visitor for visitor in visitors if visitor.who in ONLY]
    walk_all(platform.app, browser, platform.url, walk, visitors, WORKERS)
    print(f"\nWalk: {walk.visits} page views, {len(walk.axed)} checked with axe, "
          f"{time.monotonic() - began:.0f} s; screenshots in {SCREENS}")
    assert not walk.problems, "\n" + "\n".join(str(p) for p in walk.problems)
