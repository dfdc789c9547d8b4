"""The modeller's page and the two answers only it needs: the BPMN to draw (with a generated
layout when the file has none) and the group a lane gives. The page in Chromium: test_modeller_browser.py."""

from __future__ import annotations

import re

from engine.workflow.tasks import group_of_lane
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import Web, csrf_in
from tests.worklists.helpers import KEY, Staffed, text_of

pytestmark = SQLITE_ONLY


def _draft_of_version(web: Web) -> int:
    response = web.post_form(f"/estudio/procedimientos/{KEY}/versiones/1/editar", {}, token_from="/estudio/")
    assert response.status_code == 302, text_of(response)
    return int(re.findall(r"\d+", response.headers["Location"])[-1])


def _box(xml: str, element: str) -> tuple[int, ...]:
    found = re.search(rf'bpmnElement="{element}"[^>]*><dc:Bounds x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', xml)
    return tuple(int(v) for v in found.groups()) if found else ()


def _lane_xml(xml: str, lane: str) -> str:
    found = re.search(rf'<bpmn:lane id="{lane}".*?</bpmn:lane>', xml, re.S)
    return found.group(0) if found else ""


def test_the_page_names_the_draft_its_api_and_its_files(staff: Staffed) -> None:
    web = staff.web("analista")
    draft_id = _draft_of_version(web)
    response = web.client.get(f"/estudio/borradores/{draft_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-files-url="/estudio/borradores/{draft_id}/archivos"' in html
    assert f'data-check-url="/estudio/borradores/{draft_id}/revisar"' in html
    assert f'data-deploy-url="/estudio/borradores/{draft_id}/desplegar"' in html
    assert f'data-diagram-url="/estudio/borradores/{draft_id}/diagrama?archivo=revision_mesa.bpmn"' in html
    assert 'data-bpmn-name="revision_mesa.bpmn"' in html
    assert '<meta name="csrf-token"' in html and "vendor/studio/modeller.js" in html
    page = text_of(response)
    for name in ("revision_mesa.bpmn", "revision.schema.json", "revision.uischema.json", "manifest.yaml"):
        assert name in page, name
    assert "Borrador abierto de la versión 1" in page
    assert web.client.get("/estudio/borradores/999999").status_code == 404
    assert staff.web("mesa").client.get(f"/estudio/borradores/{draft_id}").status_code == 403


def test_a_file_without_a_drawing_gets_one_and_a_drawn_file_is_served_as_it_is(staff: Staffed) -> None:
    web = staff.web("analista")
    draft_id = _draft_of_version(web)
    original = web.client.get(f"/estudio/borradores/{draft_id}/archivos/revision_mesa.bpmn").get_data(as_text=True)
    assert "BPMNShape" not in original
    drawn = web.client.get(f"/estudio/borradores/{draft_id}/diagrama")
    assert drawn.status_code == 200 and drawn.mimetype == "application/xml"
    xml = drawn.get_data(as_text=True)
    nodes = re.findall(r'<bpmn:(?:startEvent|userTask|endEvent|exclusiveGateway|serviceTask|scriptTask) id="([^"]+)"',
                       original)
    assert nodes and all(f'bpmnElement="{node}"' in xml for node in nodes)
    assert xml.startswith(original[:200])  # the model itself is untouched: only the drawing is added
    # the pool and its lanes are drawn, on the collaboration's plane; each node inside its lane's band
    assert re.search(r'<bpmndi:BPMNPlane [^>]*bpmnElement="Collab', xml), xml[-3000:]
    bands = {lane: _box(xml, lane) for lane in ("Participant_mesa", "Lane_ciudadano", "Lane_mesa")}
    assert all(bands.values()), bands
    citizen = _lane_xml(original, "Lane_ciudadano")
    for node in nodes:
        lane = "Lane_ciudadano" if f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" in citizen else "Lane_mesa"
        _x, y, _w, h = _box(xml, node)
        top, height = bands[lane][1], bands[lane][3]
        assert top <= y and y + h <= top + height, (node, lane)

    token = csrf_in(web.client.get("/estudio/").get_data(as_text=True))
    url = f"/estudio/borradores/{draft_id}/archivos/revision_mesa.bpmn"
    assert web.client.put(url, data=xml.encode(), headers={"X-CSRF-Token": token}).status_code == 200
    assert web.client.get(f"/estudio/borradores/{draft_id}/diagrama").get_data(as_text=True) == xml
    missing = web.client.get(f"/estudio/borradores/{draft_id}/diagrama?archivo=nada.bpmn")
    assert missing.status_code == 404 and missing.get_json()["title"] == "No hay diagrama"


def test_the_group_of_a_lane_follows_the_platforms_rule(staff: Staffed) -> None:
    web = staff.web("analista")
    draft_id = _draft_of_version(web)
    url = f"/estudio/borradores/{draft_id}/grupo-del-carril"
    for lane in ("Mesa de Entradas", "Dirección de Espacios Públicos", "Tránsito"):
        answer = web.client.get(url, query_string={"carril": lane}).get_json()
        assert answer == {"group": group_of_lane(lane), "applicant": False}, lane
    assert web.client.get(url, query_string={"carril": "Mesa de Entradas"}).get_json()["group"] == "mesa_entradas"
    assert web.client.get(url, query_string={"carril": "Ciudadana"}).get_json()["applicant"] is True
    refused = web.client.get(url)
    assert refused.status_code == 400 and refused.get_json()["title"] == "Falta el carril"
