"""Open311 GeoReport v2 under /open311/v2: the spec's own examples, in JSON and XML.

https://wiki.open311.org/GeoReport_v2 — service codes are the reclamo categories, the
``service_request_id`` is the case number and the creation token is the tracking code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree as ET
from flask import Flask

from connectors.documents.signing import create_development_certificate
from tests.fixtures.engine import ApiClient, make_token

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SIGNING_PASSWORD = "clave-open311"
#: The spec's POST example (a sinkhole in San Francisco), moved to San Miguel de Tucumán.
SPEC_POST = {"jurisdiction_id": "smt.gob.ar", "service_code": "baches", "lat": "-26.8303", "long": "-65.2038",
             "address_string": "24 de Septiembre 500", "email": "smit333@sfgov.edu", "device_id": "tt222111",
             "account_id": "123456", "first_name": "john", "last_name": "smith", "phone": "111111111",
             "description": "A large sinkhole is destroying the street",
             "media_url": "http://example.com/image.jpg"}


@pytest.fixture(scope="module")
def signing_p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_development_certificate(tmp_path_factory.mktemp("firma") / "dev.p12", SIGNING_PASSWORD)


@pytest.fixture
def city(make_app: Callable[..., Flask], signing_p12: Path) -> Flask:
    app = make_app(SIGNING_CERT=str(signing_p12), SIGNING_PASSWORD=SIGNING_PASSWORD)
    deployed = ApiClient(app, make_token(app, "despliegue", "admin")).deploy(PROCESSES / "reclamo")
    assert deployed.status_code == 201, deployed.get_json()
    return app


@pytest.fixture
def api_key(city: Flask) -> str:
    return make_token(city, "app-311", "start")


def _post(app: Flask, params: dict[str, Any], fmt: str = "json") -> Any:
    return app.test_client().post(f"/open311/v2/requests.{fmt}", data=params)


def test_services_list_the_categories_in_both_formats(city: Flask) -> None:
    client = city.test_client()
    services = client.get("/open311/v2/services.json")
    assert services.status_code == 200 and services.mimetype == "application/json"
    codes = [s["service_code"] for s in services.get_json()]
    assert codes == ["alumbrado", "baches", "residuos", "arbolado", "otros"]
    first = services.get_json()[0]
    assert set(first) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert first["metadata"] is False and first["type"] == "realtime"
    xml = ET.fromstring(client.get("/open311/v2/services.xml").data)
    assert xml.tag == "services" and [s.findtext("service_code") for s in xml] == codes
    assert xml.find("service/metadata").text == "false"  # type: ignore[union-attr]
    definition = client.get("/open311/v2/services/baches.json").get_json()
    assert definition == {"service_code": "baches", "attributes": []}
    assert ET.fromstring(client.get("/open311/v2/services/baches.xml").data).tag == "service_definition"


def test_the_spec_post_example_creates_a_reclamo(city: Flask, api_key: str) -> None:
    created = _post(city, {**SPEC_POST, "api_key": api_key})
    assert created.status_code == 201, created.get_json()
    [answer] = created.get_json()
    number, token = answer["service_request_id"], answer["token"]
    assert number.endswith("-SMT-REC") and answer["service_notice"]
    client = city.test_client()
    [found] = client.get(f"/open311/v2/requests/{number}.json").get_json()
    assert found["status"] == "open" and found["service_code"] == "baches"
    assert found["agency_responsible"] == "Obras Públicas"
    assert found["description"] == SPEC_POST["description"] and found["address"] == "24 de Septiembre 500"
    assert (found["lat"], found["long"]) == (-26.8303, -65.2038)
    assert found["expected_datetime"] is not None  # the case's expected date, as its tracking page says
    assert "smit333" not in created.get_data(as_text=True) + str(found)  # contact data never shown
    assert client.get(f"/open311/v2/tokens/{token}.json").get_json() == [
        {"service_request_id": number, "token": token}]
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{number}.xml").data)
    assert xml.tag == "service_requests" and xml.findtext("request/service_request_id") == number
    # the case is anonymous: the Open311 app's token appears in the timeline, no citizen owns it
    with city.app_context():
        from engine.db import db
        from engine.models import AuditEvent, Instance

        instance = db.session.query(Instance).filter_by(number=number).one()
        assert instance.started_by == "anonimo" and instance.data["canal"] == "open311"
        assert instance.data["contacto"] == {"nombre": "john smith", "email": "smit333@sfgov.edu",
                                             "telefono": "111111111"}
        actors = {e.actor for e in db.session.query(AuditEvent).filter_by(instance_id=instance.id)}
        assert "api:app-311" in actors


def test_get_requests_filters_like_the_spec(city: Flask, api_key: str) -> None:
    numbers = [_post(city, {**SPEC_POST, "api_key": api_key, "service_code": code}).get_json()[0]["service_request_id"]
               for code in ("baches", "alumbrado")]
    client = city.test_client()
    listed = client.get("/open311/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in listed] == list(reversed(numbers))
    only = client.get("/open311/v2/requests.json?service_code=alumbrado&status=open").get_json()
    assert [r["service_request_id"] for r in only] == [numbers[1]]
    assert client.get("/open311/v2/requests.json?status=closed").get_json() == []
    by_id = client.get(f"/open311/v2/requests.json?service_request_id={numbers[0]},{numbers[1]}").get_json()
    assert {r["service_request_id"] for r in by_id} == set(numbers)
    old = client.get("/open311/v2/requests.json?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z")
    assert old.status_code == 200 and old.get_json() == []


def test_a_resolved_request_is_closed_with_the_areas_answer(city: Flask, api_key: str) -> None:
    number = _post(city, {**SPEC_POST, "api_key": api_key}).get_json()[0]["service_request_id"]
    staff = ApiClient(city, make_token(city, "obras", "admin"))
    [instance] = staff.get("/api/v1/instances?process=reclamo").get_json()["items"]
    task = staff.ready_task(instance["id"], "resolver_baches")
    done = staff.complete(task["id"], {"resultado": "resuelto", "respuesta": "Bache reparado el 3 de marzo."})
    assert done.status_code == 200, done.get_json()
    [found] = city.test_client().get(f"/open311/v2/requests/{number}.json").get_json()
    assert found["status"] == "closed" and found["status_notes"] == "Bache reparado el 3 de marzo."
    assert found["expected_datetime"] is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_use_the_spec_error_list(city: Flask, api_key: str, fmt: str) -> None:
    def errors(response: Any) -> list[tuple[int, str]]:
        if fmt == "json":
            return [(e["code"], e["description"]) for e in response.get_json()]
        root = ET.fromstring(response.data)
        assert root.tag == "errors"
        return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root]

    no_key = _post(city, SPEC_POST, fmt)
    assert no_key.status_code == 403 and errors(no_key)[0][0] == 403
    bearer = city.test_client().post(f"/open311/v2/requests.{fmt}", data=SPEC_POST,
                                     headers={"Authorization": f"Bearer {api_key}"})
    assert bearer.status_code == 201
    read_only = make_token(city, "solo-lectura", "read")
    assert _post(city, {**SPEC_POST, "api_key": read_only}, fmt).status_code == 403
    bad = _post(city, {**SPEC_POST, "api_key": api_key, "service_code": "ovnis"}, fmt)
    assert bad.status_code == 400 and errors(bad)[0][1].startswith("service_code:")
    no_place = _post(city, {k: v for k, v in SPEC_POST.items() if k not in ("lat", "long")} | {"api_key": api_key}, fmt)
    assert no_place.status_code == 400 and "lat" in errors(no_place)[0][1]
    short = _post(city, {**SPEC_POST, "api_key": api_key, "description": "pozo"}, fmt)
    assert short.status_code == 400 and any(d.startswith("description:") for _, d in errors(short))
    missing = city.test_client().get(f"/open311/v2/requests/EX-2026-999999-SMT-REC.{fmt}")
    assert missing.status_code == 404 and errors(missing)[0][0] == 404
    assert city.test_client().get(f"/open311/v2/tokens/XXXX-XXXX-XXXX.{fmt}").status_code == 404
    assert city.test_client().get(f"/open311/v2/services/ovnis.{fmt}").status_code == 404
    bad_date = city.test_client().get(f"/open311/v2/requests.{fmt}?start_date=ayer")
    assert bad_date.status_code == 400 and errors(bad_date)[0][1].startswith("start_date:")
    assert city.test_client().get("/open311/v2/services.csv").status_code == 404
    not_allowed = city.test_client().delete(f"/open311/v2/requests.{fmt}")
    assert not_allowed.status_code == 405 and errors(not_allowed) == [(405, "Método no permitido en este recurso.")]
