"""What a staff member reviews (issue #19, point 3): the task page shows the case's summary, its
documents with a viewer (PDFs in a frame, images as images) and its places on a map; the case
view shows the places on a map and the photos too."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.identity.accounts import ensure_user
from engine.models import Instance, Task
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import ROLE_USERS, Web, password_of
from tests.fixtures.smtp import SmtpServer
from tests.procedures import conftest as procedures
from tests.procedures.conftest import PDF_BYTES, PNG_BYTES, PROCESSES, SIGNING_PASSWORD
from worklists.queries import case_view

pytestmark = pytest.mark.sqlite_only  # pages over plain queries; the engine's work is covered on both elsewhere
procedures_signing_p12 = procedures.procedures_signing_p12

RECLAMO = {"categoria": "alumbrado", "descripcion": "La luminaria de la esquina está apagada.",
           "lat": "-26.8303", "lon": "-65.2038", "direccion": "24 de Septiembre y Muñecas"}


class City:
    """The secured app with habilitación comercial and reclamo deployed, and who works on them."""

    def __init__(self, app: Flask, *keys: str) -> None:
        self.app = app
        self.api = ApiClient(app, make_token(app, "despliegue", "admin"))
        for key in keys:
            deployed = self.api.deploy(PROCESSES / key)
            assert deployed.status_code == 201, deployed.get_json()
        with app.app_context(), unit_of_work():
            for name, (roles, groups) in ROLE_USERS.items():
                ensure_user(name, display_name=name.capitalize(), password=password_of(name), roles=roles,
                            groups=groups)
            ensure_user("luces", display_name="Luces", password=password_of("luces"), roles=("staff",),
                        groups=("alumbrado",))

    def web(self, who: str | None = None) -> Web:
        web = Web(self.app.test_client())
        if who:
            web.sign_in(who, password_of(who))
        return web

    def licence_application(self) -> str:
        """A business licence applied for in the portal with its three documents; its case number."""
        fields = {"tipo_persona": "humana", "titular": "María Fernández", "cuit": "27301112224",
                  "email": "ciudadana@example.com", "nombre_comercio": "Almacén Don Pepe",
                  "domicilio": "San Martín 450", "rubro": "almacen", "superficie": "45",
                  "dni_archivo": (io.BytesIO(PDF_BYTES), "dni.pdf"),
                  "titulo_archivo": (io.BytesIO(PDF_BYTES + b"% contrato\n"), "contrato.pdf"),
                  "plano_archivo": (io.BytesIO(PNG_BYTES), "plano.png")}
        web = self.web("ciudadana")
        token = web.form_token("/iniciar/habilitacion_comercial")
        sent = web.client.post("/iniciar", data={"csrf_token": token, "tramite": "habilitacion_comercial", "!o": "1",
                                                 "accion": "enviar", **{f"$/{k}": v for k, v in fields.items()}},
                               content_type="multipart/form-data")
        assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
        return str(sent.headers["Location"].split("/mis-tramites/")[1].split("?")[0])

    def reclamo_with_a_photo(self) -> str:
        """A reclamo sent anonymously from the public form, with a photo; its case number."""
        web = self.web()
        sent = web.client.post("/reclamos/nuevo", data={**RECLAMO, "fotos": (io.BytesIO(PNG_BYTES), "esquina.png"),
                                                         "csrf_token": web.form_token("/reclamos/nuevo")},
                               content_type="multipart/form-data")
        assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
        html = web.client.get(sent.headers["Location"]).get_data(as_text=True)
        return re.search(r"(EX-\d{4}-\d{6}-SMT-REC)", html).group(1)  # type: ignore[union-attr]

    def task_id(self, number: str) -> str:
        with self.app.app_context():
            instance = db.session.scalar(select(Instance).where(Instance.number == number))
            assert instance is not None
            return str(db.session.scalar(select(Task.id).where(Task.instance_id == instance.id,
                                                                Task.status == "ready")))


@pytest.fixture
def city(request: pytest.FixtureRequest, secure_app: Callable[..., Flask], procedures_signing_p12: Path,
         smtp_server: SmtpServer) -> City:
    """The secured app, able to sign (the licence's first step issues a receipt) and to send mail, with
    the procedures the test names (``@pytest.mark.parametrize("city", [...], indirect=True)``)."""
    app = secure_app(SIGNING_CERT=str(procedures_signing_p12), SIGNING_PASSWORD=SIGNING_PASSWORD,
                     **smtp_server.settings())
    return City(app, *request.param)


licences = pytest.mark.parametrize("city", [("habilitacion_comercial",)], indirect=True, ids=["habilitacion"])
reclamos = pytest.mark.parametrize("city", [("reclamo",)], indirect=True, ids=["reclamo"])


@licences
def test_the_document_review_task_shows_the_documents_with_a_viewer(city: City) -> None:
    number = city.licence_application()
    page = city.web("mesa").client.get(f"/bandeja/tareas/{city.task_id(number)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:2000]
    assert "Almacén Don Pepe" in html  # the case's summary
    frames = re.findall(r'<iframe[^>]*src="([^"]+)"[^>]*title="([^"]+)"', html)
    assert sorted(t for _src, t in frames if "dni.pdf" in t or "contrato.pdf" in t) == [
        "Documento: contrato.pdf", "Documento: dni.pdf"], frames
    images = re.findall(r'<img[^>]*src="([^"]+)"[^>]*alt="([^"]*)"', html)
    assert [alt for _src, alt in images] == ["plano.png"], images
    with city.web("mesa").client.get(frames[0][0]) as viewed:
        assert viewed.status_code == 200 and viewed.mimetype == "application/pdf"
        assert viewed.headers["Content-Disposition"].startswith("inline")
        assert "frame-ancestors 'self'" in viewed.headers["Content-Security-Policy"]
        assert viewed.headers["X-Frame-Options"] == "SAMEORIGIN"
    # every other page keeps refusing to be framed
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    web = city.web("mesa")
    image = images[0][0]
    with web.client.get(image) as shown:
        assert shown.mimetype == "image/png" and shown.headers["Content-Disposition"].startswith("inline")
    with web.client.get(image.removesuffix("/ver")) as downloaded:  # the download stays a download
        assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert city.web("luces").client.get(image).status_code == 404  # who may not see the case


@reclamos
def test_the_reclamo_task_and_case_view_show_the_place_on_a_map_and_the_photo(city: City) -> None:
    number = city.reclamo_with_a_photo()
    web = city.web("luces")
    for path in (f"/bandeja/tareas/{city.task_id(number)}", f"/bandeja/expedientes/{number}"):
        html = web.client.get(path).get_data(as_text=True)
        maps = re.findall(r'<div class="lugar-mapa"[^>]*data-lat="([^"]+)" data-lon="([^"]+)"', html)
        assert maps == [("-26.8303", "-65.2038")], (path, maps)
        assert "vendor/leaflet/leaflet.js" in html and "case-map.js" in html
        assert re.search(r'<img[^>]*src="[^"]+/ver"[^>]*alt="esquina.png"', html), path
        assert "Latitud" not in html  # the place is on the map, not as two numbers among the data
        assert "Ubicación: latitud -26,8303, longitud -65,2038" in html  # and written under it, es-AR
    # the case view's generated diagram draws the procedure's lanes
    case_page = web.client.get(f"/bandeja/expedientes/{number}").get_data(as_text=True)
    case_page = web.client.get(f"/bandeja/expedientes/{number}").get_data(as_text=True)
    assert 'bpmnElement="Lane_alumbrado"' in unescape(case_page)


@pytest.mark.parametrize(("value", "point"), [
    ({"lat": -26.83, "lon": -65.2}, (-26.83, -65.2)),
    ({"type": "Point", "coordinates": [-65.2, -26.83]}, (-26.83, -65.2)),  # GeoJSON: longitude first
    ({"lat": -26.83, "lon": -65.2, "nota": "esquina"}, None),  # more than a point: shown as data
    ({"lat": True, "lon": -65.2}, None),
    ({"lat": "-26.83", "lon": "-65.2"}, None),
    ({"lat": -126.83, "lon": -65.2}, None),
    ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, None),
])
def test_a_place_is_a_point_and_nothing_else(value: dict[str, Any], point: tuple[float, float] | None) -> None:
    assert case_view.point_of(value) == point
