"""The BPMN modeller in Chromium: every bundle of ``processes/`` opens and saves back to the same
specs, the panel writes the engine's extension XML, and the check's problems are pinned on the diagram.

The platform is served as in the procedures' tests (``tests/procedures/conftest.py``); drafts are
made from deployed versions by the studio's own function, everything else goes through the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from engine.db import db
from engine.models import Deployment
from engine.studio import drafts
from engine.uow import unit_of_work
from tests.fixtures.database import SQLITE_ONLY
from tests.fixtures.identity import Web, csrf_in
from tests.procedures import conftest as procedures
from tests.procedures.conftest import Person, Platform

pytestmark = SQLITE_ONLY

make_platform = procedures.make_platform
procedures_signing_p12 = procedures.procedures_signing_p12
platform = procedures.platform

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
BUNDLES = sorted(p.parent.name for p in PROCESSES.glob("*/manifest.yaml"))
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
# axe-core checks the whole page but the canvas: diagram-js draws an SVG application whose
# shapes are not DOM controls (the page explains it next to the canvas, and every problem is
# also in the list, which is keyboard-reachable); the palette and context pad are its own parts.
AXE_OUTSIDE_CANVAS = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run({exclude: [['#modelador-lienzo']]}, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}));
}"""


@pytest.fixture
def analyst(platform: Platform, browser: Any) -> Iterator[Person]:
    platform.seed_demo_users("analista")
    person = platform.person(browser, "analista")
    try:
        yield person
    finally:
        person.context.close()


def _draft_of(platform: Platform, key: str) -> int:
    """A draft opened from the latest deployed version of ``key`` (as «Editar» on the studio's home does)."""
    with platform.app.app_context(), unit_of_work():
        deployment = db.session.scalars(select(Deployment).where(Deployment.key == key)
                                        .order_by(Deployment.version.desc())).first()
        assert deployment is not None, key
        return drafts.create_from_version(deployment, "analista", platform.clock()).id


def _files(platform: Platform, draft_id: int) -> dict[str, bytes]:
    with platform.app.app_context():
        return drafts.files_of(drafts.get(draft_id))


def _open(person: Person, draft_id: int) -> None:
    person.go(f"/estudio/borradores/{draft_id}")
    person.page.wait_for_selector("#modelador[data-ready=true]", timeout=20000)


def _save(person: Person) -> None:
    saved = int(person.page.get_attribute("#modelador", "data-saved") or 0)
    person.page.click("#modelador-guardar")
    person.page.wait_for_selector(f"#modelador[data-saved='{saved + 1}']", timeout=20000)


def _check_page(person: Person) -> None:
    person.page.add_script_tag(url=person.base + "/static/vendor/axe.min.js")
    assert person.page.evaluate(AXE_OUTSIDE_CANVAS) == [], person.page.url
    assert person.csp == [], person.csp


def _select(person: Person, element_id: str) -> None:
    """Select a diagram element as a click would, and open every group of the properties panel."""
    person.page.evaluate("(id) => { const m = window.studioModeller; "
                         "m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)
    person.page.wait_for_timeout(250)  # the panel renders the selection on the next frame
    for _ in range(20):
        closed = person.page.locator("#modelador-propiedades .bio-properties-panel-group-header:not(.open)")
        if closed.count() == 0:
            break
        closed.first.click()


def _normalized(value: Any) -> Any:
    """A spec with the order of each task's outgoing and incoming links left out.

    SpiffWorkflow orders a task's outputs by the diagram's y coordinate of their targets
    (TaskParser sorts them), so a file without coordinates and the same file drawn list them
    in another order; the links themselves, and every condition, must be the same.
    """
    if isinstance(value, dict):
        return {k: (sorted(map(json.dumps, v)) if k in {"inputs", "outputs", "cond_task_specs"} and
                    isinstance(v, list) else _normalized(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return value


def _spec_of(platform: Platform, key: str, version: int) -> dict[str, Any]:
    with platform.app.app_context():
        deployment = db.session.scalars(select(Deployment).where(Deployment.key == key,
                                                                 Deployment.version == version)).one()
        return dict(deployment.spec)


@pytest.mark.browser
def test_every_bundle_opens_and_saves_back_to_the_same_specs(platform: Platform, analyst: Person) -> None:
    web = Web(platform.app.test_client())
    web.sign_in("analista", "demo-analista")
    token = csrf_in(web.client.get("/estudio/").get_data(as_text=True))
    assert len(BUNDLES) >= 8, BUNDLES
    for key in BUNDLES:
        platform.deploy(key)
        draft_id = _draft_of(platform, key)
        original = _files(platform, draft_id)
        _open(analyst, draft_id)
        _save(analyst)
        saved = _files(platform, draft_id)
        main = next(n for n in saved if n.endswith(".bpmn"))
        assert saved[main] != original[main], key  # written back by bpmn-js (with a drawing now)
        assert b"BPMNShape" in saved[main] and b"spiffworkflow:" in saved[main], key
        deployed = web.client.post(f"/estudio/borradores/{draft_id}/desplegar", headers={"X-CSRF-Token": token})
        body = deployed.get_json()
        assert deployed.status_code == 201, (key, body)
        assert body["version"] == 2, (key, body)
        before, after = _spec_of(platform, key, 1), _spec_of(platform, key, 2)
        assert len(before["spec"]["task_specs"]) > 5, key
        assert _normalized(after) == _normalized(before), key
    _check_page(analyst)


@pytest.mark.browser
def test_the_panel_writes_the_engines_extension_xml(platform: Platform, analyst: Person) -> None:
    platform.deploy("evento_publico")
    draft_id = _draft_of(platform, "evento_publico")
    _open(analyst, draft_id)
    page = analyst.page

    _select(analyst, "revisar_solicitud")  # a user task in the lane «Mesa de Entradas»
    page.wait_for_selector("text=va a la bandeja del grupo «mesa_entradas»")
    page.select_option("#bio-properties-panel-studio-form", label="Crear revisar_solicitud.schema.json")
    page.wait_for_selector("#bio-properties-panel-studio-form >> option[value='revisar_solicitud.schema.json']",
                           state="attached")
    page.fill("#bio-properties-panel-studio-candidate-group", "transito")
    page.fill("#bio-properties-panel-studio-sla", "5")
    page.wait_for_selector("text=Va a la bandeja del grupo «transito»")

    _select(analyst, "aviso_inicio")  # a service task
    page.select_option("#bio-properties-panel-studio-operation", "gaf/liquidar_tasa")
    page.fill("#bio-properties-panel-studio-param-concepto", "'Permiso de evento'")
    page.fill("#bio-properties-panel-studio-param-importe", "f'{tasa:.2f}'")
    page.fill("#bio-properties-panel-studio-param-referencia", "numero_expediente")
    page.fill("#bio-properties-panel-studio-result", "boleta_inicio")
    page.fill("#bio-properties-panel-studio-retries", "2")

    _select(analyst, "vence_correccion")  # a boundary timer
    page.fill("#bio-properties-panel-studio-business-days", "7")
    page.wait_for_timeout(400)  # the panel's inputs are debounced
    _check_page(analyst)
    _save(analyst)

    files = _files(platform, draft_id)
    assert json.loads(files["revisar_solicitud.schema.json"]) == {"type": "object", "properties": {}}
    root = fromstring(files["evento_publico.bpmn"])
    task = root.find(f".//{BPMN}userTask[@id='revisar_solicitud']")
    properties = {p.get("name"): p.get("value") for p in task.iter(f"{SPIFF}property")}
    assert properties == {"formJsonSchemaFilename": "revisar_solicitud.schema.json",
                          "formUiSchemaFilename": "revision.uischema.json", "sla": "P5D", "candidateGroup": "transito"}
    service = root.find(f".//{BPMN}serviceTask[@id='aviso_inicio']")
    operators = service.findall(f"{BPMN}extensionElements/{SPIFF}serviceTaskOperator")
    assert [(o.get("id"), o.get("resultVariable")) for o in operators] == [("gaf/liquidar_tasa", "boleta_inicio")]
    parameters = [(p.get("id"), p.get("type"), p.get("value"))
                  for p in operators[0].findall(f"{SPIFF}parameters/{SPIFF}parameter")]
    assert parameters == [("concepto", "str", "'Permiso de evento'"), ("importe", "str", "f'{tasa:.2f}'"),
                          ("referencia", "str", "numero_expediente")]
    retries = [(r.get("retries"), r.get("backoff_base")) for r in service.iter(f"{SPIFF}retry")]
    assert retries == [("2", None)]
    timer = root.find(f".//{BPMN}boundaryEvent[@id='vence_correccion']/{BPMN}timerEventDefinition")
    assert [(c.tag, c.text) for c in timer] == [(f"{BPMN}timeDuration", "dias_habiles(7)")]


@pytest.mark.browser
def test_the_lint_button_counts_in_spanish(platform: Platform, analyst: Person) -> None:
    platform.deploy("apoderamiento")
    _open(analyst, _draft_of(platform, "apoderamiento"))
    button = analyst.page.locator(".bjsl-button")
    button.wait_for()
    shown = button.inner_text()
    assert "Sin sugerencias" in shown or "avisos" in shown, shown
    assert not any(word in shown for word in ("Issues", "Errors", "Warnings")), shown


@pytest.mark.browser
def test_the_panel_writes_the_condition_or_the_default_of_a_gateways_flow(
        platform: Platform, analyst: Person) -> None:
    """The check asks each flow out of an exclusive gateway for a condition or to be the default:
    the panel writes both, so a gateway drawn in the studio can be deployed."""
    platform.deploy("apoderamiento")
    draft_id = _draft_of(platform, "apoderamiento")
    _open(analyst, draft_id)
    page = analyst.page

    _select(analyst, "f_aceptar")
    condition = "#bio-properties-panel-studio-condition"
    assert page.input_value(condition) == 'decision == "aceptar"'
    assert not page.is_checked("#bio-properties-panel-studio-default-flow")
    page.fill(condition, 'decision == "aceptar" and bool(cuit_representado)')
    page.wait_for_timeout(400)  # the panel's inputs are debounced

    _select(analyst, "f_rechazar")  # the default flow: no condition to write
    assert page.is_checked("#bio-properties-panel-studio-default-flow")
    assert page.locator(condition).count() == 0
    page.uncheck("#bio-properties-panel-studio-default-flow")
    page.fill(condition, 'decision == "rechazar"')
    page.wait_for_timeout(400)
    _check_page(analyst)
    _save(analyst)

    root = fromstring(_files(platform, draft_id)["apoderamiento.bpmn"])
    assert root.find(f".//{BPMN}exclusiveGateway[@id='decision_gw']").get("default") is None
    conditions = {flow.get("id"): flow.findtext(f"{BPMN}conditionExpression")
                  for flow in root.iter(f"{BPMN}sequenceFlow") if flow.get("sourceRef") == "decision_gw"}
    assert conditions == {"f_aceptar": 'decision == "aceptar" and bool(cuit_representado)',
                          "f_rechazar": 'decision == "rechazar"'}

    _select(analyst, "f_aceptar")  # made the default again, it loses its condition
    page.check("#bio-properties-panel-studio-default-flow")
    page.wait_for_selector(condition, state="detached")
    _save(analyst)
    root = fromstring(_files(platform, draft_id)["apoderamiento.bpmn"])
    assert root.find(f".//{BPMN}exclusiveGateway[@id='decision_gw']").get("default") == "f_aceptar"
    assert root.find(f".//{BPMN}sequenceFlow[@id='f_aceptar']/{BPMN}conditionExpression") is None


@pytest.mark.browser
def test_a_problem_of_the_check_is_pinned_on_its_element_and_a_click_selects_it(
        platform: Platform, analyst: Person) -> None:
    platform.deploy("evento_publico")
    draft_id = _draft_of(platform, "evento_publico")
    _open(analyst, draft_id)
    page = analyst.page
    # an operation the registry does not have (the panel offers only the registry's): as by hand
    page.evaluate("""() => {
      const m = window.studioModeller;
      const element = m.get('elementRegistry').get('aviso_inicio');
      const operator = element.businessObject.extensionElements.values
        .find(v => v.$type === 'spiffworkflow:ServiceTaskOperator');
      m.get('modeling').updateModdleProperties(element, operator, {id: 'gaf/no_existe'});
    }""")
    page.click("#modelador-revisar")
    pin = page.wait_for_selector(".studio-pin[data-element='aviso_inicio']")
    assert "gaf/no_existe" in (pin.get_attribute("aria-label") or "")
    page.evaluate("() => window.studioModeller.get('selection').select([])")
    pin.click()
    assert page.evaluate("() => window.studioModeller.get('selection').get().map(e => e.id)") == ["aviso_inicio"]
    page.evaluate("() => window.studioModeller.get('selection').select([])")
    page.click(".studio-issue-problema button[data-element='aviso_inicio']")
    assert page.evaluate("() => window.studioModeller.get('selection').get().map(e => e.id)") == ["aviso_inicio"]
    assert page.locator("#modelador-propiedades").get_by_text("Operación de conector").count() >= 1
    _check_page(analyst)

    page.evaluate("() => window.studioModeller.get('overlays').remove({type: 'studio-problem'})")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#modelador-desplegar")  # refused: the same problem, pinned again
    page.wait_for_selector(".studio-pin[data-element='aviso_inicio']")
    assert page.inner_text("#modelador-estado").startswith("No se desplegó")
    with platform.app.app_context():
        assert db.session.scalars(select(Deployment.version).where(Deployment.key == "evento_publico")).all() == [1]


@pytest.mark.browser
def test_the_canvas_is_named_and_works_with_the_keyboard(platform: Platform, analyst: Person) -> None:
    platform.deploy("evento_publico")
    draft_id = _draft_of(platform, "evento_publico")
    _open(analyst, draft_id)
    page = analyst.page
    canvas = page.get_by_role("application", name="Diagrama BPMN de evento_publico.bpmn")
    assert canvas.get_attribute("aria-describedby") == "modelador-ayuda-lienzo"
    for name in ("Guardar", "Revisar", "Desplegar"):
        assert page.get_by_role("button", name=name, exact=True).is_enabled()
    exists = "(id) => !!window.studioModeller.get('elementRegistry').get(id)"
    page.evaluate("() => { const m = window.studioModeller; "
                  "m.get('selection').select(m.get('elementRegistry').get('revisar_solicitud')); }")
    canvas.focus()
    page.keyboard.press("Delete")
    assert page.evaluate(exists, "revisar_solicitud") is False
    page.keyboard.press("Control+z")
    assert page.evaluate(exists, "revisar_solicitud") is True
    page.wait_for_timeout(3000)  # past the autosave of the delete and its undo
    saved = int(page.get_attribute("#modelador", "data-saved") or 0)
    page.get_by_role("button", name="Guardar", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#modelador[data-saved='{saved + 1}']")
    assert b'id="revisar_solicitud"' in _files(platform, draft_id)["evento_publico.bpmn"]


@pytest.mark.browser
def test_spiffworkflow_elements_the_panel_does_not_know_are_kept(platform: Platform, analyst: Person) -> None:
    """SpiffArena writes a few elements of its namespace this platform does not read (unit tests):
    the modeller keeps them as they are, so the model goes back to SpiffArena whole."""
    files = {p.relative_to(PROCESSES / "evento_publico").as_posix(): p.read_bytes()
             for p in (PROCESSES / "evento_publico").rglob("*") if p.is_file()}
    unit_tests = (b'<spiffworkflow:unitTests><spiffworkflow:unitTest id="prueba_riesgo">'
                  b'<spiffworkflow:inputJson>{"asistentes": 10}</spiffworkflow:inputJson>'
                  b'<spiffworkflow:expectedOutputJson>{"riesgo": "bajo"}</spiffworkflow:expectedOutputJson>'
                  b'</spiffworkflow:unitTest></spiffworkflow:unitTests>')
    decision = b"<spiffworkflow:calledDecisionId>evento_riesgo</spiffworkflow:calledDecisionId>"
    files["evento_publico.bpmn"] = files["evento_publico.bpmn"].replace(decision, decision + unit_tests)
    with platform.app.app_context(), unit_of_work():
        draft_id = drafts.create_from_files("Con pruebas de SpiffArena", files, "analista", platform.clock()).id
    _open(analyst, draft_id)
    _save(analyst)
    root = fromstring(_files(platform, draft_id)["evento_publico.bpmn"])
    task = root.find(f".//{BPMN}businessRuleTask[@id='evaluar_riesgo']")
    kept = task.find(f"{BPMN}extensionElements/{SPIFF}unitTests/{SPIFF}unitTest")
    assert kept is not None and kept.get("id") == "prueba_riesgo"
    assert [(c.tag, c.text) for c in kept] == [(f"{SPIFF}inputJson", '{"asistentes": 10}'),
                                               (f"{SPIFF}expectedOutputJson", '{"riesgo": "bajo"}')]
    assert task.find(f"{BPMN}extensionElements/{SPIFF}calledDecisionId").text == "evento_riesgo"
    assert b"BPMNShape" in _files(platform, draft_id)["evento_publico.bpmn"]
