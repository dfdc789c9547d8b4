"""The studio's home and the draft API its editors use: analysts land on it, make drafts,
save files, check and deploy them into the same immutable versions the API makes."""

from __future__ import annotations

import re

from engine.db import db
from engine.models import AuditEvent, Deployment, StudioDraft
from tests.fixtures.identity import Web, csrf_in, password_of
from tests.worklists.helpers import KEY, Staffed, text_of


def _token(web: Web) -> str:
    return csrf_in(web.client.get("/estudio/").get_data(as_text=True))


def _new_draft(web: Web, name: str = "Permiso de feria", key: str = "permiso_feria") -> int:
    response = web.post_form("/estudio/borradores", {"nombre": name, "clave": key}, token_from="/estudio/")
    assert response.status_code == 302, text_of(response)
    found = re.search(r"/estudio/borradores/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


TASK = (b'<bpmn:startEvent id="inicio" name="Inicio"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        b'<bpmn:userTask id="datos" name="Datos"><bpmn:extensionElements><spiffworkflow:properties>'
        b'<spiffworkflow:property name="formJsonSchemaFilename" value="datos.schema.json" />'
        b'</spiffworkflow:properties></bpmn:extensionElements>'
        b'<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>'
        b'<bpmn:endEvent id="fin" name="Fin"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        b'<bpmn:sequenceFlow id="f1" sourceRef="inicio" targetRef="datos" />'
        b'<bpmn:sequenceFlow id="f2" sourceRef="datos" targetRef="fin" />')


def test_an_analyst_lands_on_the_studio_and_sees_every_procedure_with_its_versions(staff: Staffed) -> None:
    staff.start(2)
    web = Web(staff.app.test_client())
    signed = web.sign_in("analista", password_of("analista"))
    assert signed.headers["Location"].endswith("/estudio/")
    page = text_of(web.client.get("/estudio/"))
    assert "Estudio de trámites" in page and KEY in page
    assert re.search(r"1 vigente api:pruebas .* 2 \(2\)", page), page  # v1, by the token, 2 running
    header = web.client.get("/").get_data(as_text=True)
    assert 'href="/estudio/"' in header  # the header leads analysts back to the studio


def test_staff_and_citizens_cannot_open_the_studio(staff: Staffed) -> None:
    assert staff.web("mesa").client.get("/estudio/").status_code == 403
    assert staff.web("mesa").client.get("/estudio/catalogo/operaciones").status_code == 403
    staff_home = staff.web("mesa").client.get("/").get_data(as_text=True)
    assert 'href="/estudio/"' not in staff_home


def test_a_new_draft_checks_saves_and_deploys_as_the_api_would(staff: Staffed) -> None:
    web = staff.web("analista")
    draft_id = _new_draft(web)
    listing = web.client.get(f"/estudio/borradores/{draft_id}/archivos").get_json()
    assert listing["draft"]["key"] == "permiso_feria" and listing["draft"]["main_bpmn"] == "permiso_feria.bpmn"
    kinds = {f["name"]: f["kind"] for f in listing["files"]}
    assert kinds == {"permiso_feria.bpmn": "bpmn", "manifest.yaml": "manifest"}
    headers = {"X-CSRF-Token": _token(web)}
    url = f"/estudio/borradores/{draft_id}/archivos/"
    bpmn = web.client.get(url + "permiso_feria.bpmn").get_data()
    with_task = bpmn.replace(b'<bpmn:startEvent id="inicio" name="Inicio" />', TASK)
    assert web.client.put(url + "permiso_feria.bpmn", data=with_task, headers=headers).status_code == 200
    checked = web.client.post(f"/estudio/borradores/{draft_id}/revisar", headers=headers).get_json()
    assert not checked["ok"]
    assert [(p["file"], p["element"]) for p in checked["problems"]] == [("permiso_feria.bpmn", "datos")]
    assert "datos.schema.json" in checked["problems"][0]["message"]
    refused = web.client.post(f"/estudio/borradores/{draft_id}/desplegar", headers=headers)
    assert refused.status_code == 422 and refused.get_json()["problems"] == checked["problems"]
    assert "datos.schema.json" in text_of(web.client.get("/estudio/"))  # the home shows the last problems
    schema = b'{"type": "object", "properties": {"nombre": {"type": "string", "title": "Nombre"}}}'
    saved = web.client.put(url + "datos.schema.json", data=schema, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["size"] == len(schema)
    assert web.client.post(f"/estudio/borradores/{draft_id}/revisar", headers=headers).get_json()["ok"]
    deployed = web.client.post(f"/estudio/borradores/{draft_id}/desplegar", headers=headers)
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["version"] == 1 and deployed.get_json()["url"] == "/estudio/procedimientos/permiso_feria"
    with staff.app.app_context():
        version = db.session.query(Deployment).filter_by(key="permiso_feria").one()
        assert version.deployed_by == "analista" and version.file("permiso_feria.bpmn") == with_task
        assert db.session.get(StudioDraft, draft_id).deployed_version == 1  # type: ignore[union-attr]
        events = {e.type: e.actor for e in db.session.query(AuditEvent).filter(AuditEvent.type.in_(
            ["draft_created", "deployed", "draft_deployed"]))}
        assert events == {"draft_created": "analista", "deployed": "analista", "draft_deployed": "analista"}
    again = web.client.post(f"/estudio/borradores/{draft_id}/desplegar", headers=headers)
    assert again.status_code == 200 and again.get_json()["created"] is False  # unchanged: the same version
    assert staff.api.get("/api/v1/processes/permiso_feria").get_json()["versions"][0]["version"] == 1


def test_writes_need_the_csrf_token_and_bad_names_are_refused_in_spanish(staff: Staffed) -> None:
    web = staff.web("analista")
    draft_id = _new_draft(web)
    url = f"/estudio/borradores/{draft_id}/archivos/"
    assert web.client.put(url + "x.schema.json", data=b"{}").status_code == 400  # the CSRF refusal
    assert "x.schema.json" not in str(web.client.get(url[:-1]).get_json()["files"])
    headers = {"X-CSRF-Token": _token(web)}
    bad = web.client.put(url + "mal nombre.json", data=b"{}", headers=headers)
    assert bad.status_code == 422 and "Nombre de archivo no permitido" in bad.get_json()["title"]
    assert web.client.delete(url + "nada.json", headers=headers).status_code == 404
    assert web.client.get("/estudio/borradores/999999/archivos").status_code == 404
    manifest = web.client.put(url + "manifest.yaml", data="key: otra_clave\nname: Feria «x»\n".encode(),
                              headers=headers)
    assert manifest.status_code == 200
    assert web.client.get(url[:-1]).get_json()["draft"]["name"] == "Feria «x»"


def test_a_version_opens_in_a_draft_and_the_catalogues_list_operations_and_groups(staff: Staffed) -> None:
    web = staff.web("analista")
    response = web.post_form(f"/estudio/procedimientos/{KEY}/versiones/1/editar", {}, token_from="/estudio/")
    assert response.status_code == 302
    draft_id = int(re.findall(r"\d+", response.headers["Location"])[-1])
    files = web.client.get(f"/estudio/borradores/{draft_id}/archivos").get_json()
    assert files["draft"]["base_key"] == KEY and files["draft"]["base_version"] == 1
    with staff.app.app_context():
        deployed = {f.name: f.content for f in db.session.query(Deployment).filter_by(key=KEY).one().files}
    assert {f["name"] for f in files["files"]} == set(deployed)
    operations = web.client.get("/estudio/catalogo/operaciones").get_json()["operations"]
    gaf = next(o for o in operations if o["name"].startswith("gaf/"))
    assert gaf["params"]["type"] == "object"
    known = web.client.get("/estudio/catalogo/grupos").get_json()
    assert "mesa_entradas" in known["groups"] and known["titles"]["mesa_entradas"] == "Mesa de Entradas"
    page = text_of(web.client.get("/estudio/"))
    assert "Basado en la versión 1" in page
    discarded = web.post_form(f"/estudio/borradores/{draft_id}/descartar", {}, token_from="/estudio/")
    assert discarded.status_code == 302 and "Basado en la versión 1" not in text_of(web.client.get("/estudio/"))


def test_the_catalogue_fields_write_the_manifest_and_keep_the_keys_they_do_not_show(staff: Staffed) -> None:
    web = staff.web("analista")
    draft_id = _new_draft(web)
    page = f"/estudio/borradores/{draft_id}/tramite"
    headers = {"X-CSRF-Token": _token(web)}
    manifest = "key: permiso_feria\nname: Permiso de feria\npago: {mensaje: pagado, boleta: boleta}\n"
    web.client.put(f"/estudio/borradores/{draft_id}/archivos/manifest.yaml", data=manifest.encode(), headers=headers)
    web.client.put(f"/estudio/borradores/{draft_id}/archivos/pedido.schema.json", data=b'{"type": "object"}',
                   headers=headers)
    assert 'value="pedido.schema.json"' in web.client.get(page).get_data(as_text=True)
    fields = {"paso": "campos", "nombre": "Permiso de feria artesanal", "categoria": "Espacio público",
              "descripcion": "Pida un puesto.", "requisitos": "DNI\n\nFoto del puesto\n", "plazo": "5",
              "canales": "web", "formulario_inicio": "pedido.schema.json", "guia": "1"}
    saved = web.post_form(page, fields)
    assert saved.status_code == 302
    written = web.client.get(f"/estudio/borradores/{draft_id}/archivos/manifest.yaml").get_data(as_text=True)
    assert written.startswith("key: permiso_feria\nname: Permiso de feria artesanal\n")
    assert "requirements:\n- DNI\n- Foto del puesto\n" in written and "plazo_dias_habiles: 5" in written
    assert "start_form: pedido.schema.json" in written and "pago:" in written and "guia: true" in written
    wrong = web.post_form(page, {**fields, "plazo": "cinco"})
    assert wrong.status_code == 400 and "número entero de días hábiles" in text_of(wrong)
    broken = web.post_form(page, {"paso": "yaml", "manifiesto": "key: [sin cerrar"})
    assert broken.status_code == 400 and "manifest.yaml" in text_of(broken)
    assert "Permiso de feria artesanal" in web.client.get(f"/estudio/borradores/{draft_id}/archivos/manifest.yaml") \
        .get_data(as_text=True)  # the bad YAML changed nothing
