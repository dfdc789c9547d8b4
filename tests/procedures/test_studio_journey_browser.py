"""A procedure nobody wrote yet, made in the studio from an empty diagram and used for real, in Chromium.

The analyst signs in and lands in the studio, creates «Permiso para food truck», draws it (a pool
with the lanes Ciudadano and Mesa de Entradas, a review task, a DMN decision, a GAF service task
picked from the registry, a delivery task and the certificate), builds the start form with the
form editor (three fields and a choice, a condition, a repeated group, a file and a map point),
writes the decision table (whose bad cell the check pins), makes the certificate template and
previews it as PDF, fixes what the check pins on the diagram and deploys. A citizen starts the
procedure from the guide, Mesa de Entradas clears the review; the analyst changes the diagram,
deploys version 2, reads the diff and migrates the first case, which then ends on version 2 with
its certificate. No file is written outside the browser.

The diagram is drawn through the modeller's own commands (``window.studioModeller``: what the
palette and the context pad do, without pixel hunting); every property is set in the properties
panel, every form, table and template in its editor, as an analyst would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from engine.db import db
from engine.models import Certificate, Deployment, Instance, Task
from engine.studio import drafts
from tests.procedures.conftest import Person, Platform, SignIn

pytestmark = pytest.mark.browser
KEY = "food_truck"
NAME = "Permiso para food truck"
# axe-core checks every page of ours; the modeller's and the DMN editor's canvases are left out
# (diagram-js and dmn-js draw an SVG application and a grid whose shapes are not DOM controls; each
# page explains it beside the canvas and lists every problem in a keyboard-reachable list).
AXE_OUTSIDE = """async (exclude) => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run({exclude: exclude.map(s => [s])}, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}));
}"""
# The pool, its two lanes and the tasks, with the commands the palette and context pad run.
DRAW = """() => {
  const m = window.studioModeller;
  const modeling = m.get('modeling'), factory = m.get('elementFactory'), registry = m.get('elementRegistry');
  const start = registry.get('inicio');
  const pool = modeling.createShape(factory.createParticipantShape(), {x: 600, y: 300},
                                    m.get('canvas').getRootElement());
  modeling.resizeShape(pool, {x: start.x - 120, y: start.y - 100, width: 1300, height: 420});
  modeling.updateLabel(pool, 'Permiso para food truck');
  modeling.splitLane(pool, 2);
  const lanes = pool.children.filter(c => c.type === 'bpmn:Lane').sort((a, b) => a.y - b.y);
  modeling.updateLabel(lanes[0], 'Ciudadano');
  modeling.updateLabel(lanes[1], 'Mesa de Entradas');
  const row = lanes[1].y + lanes[1].height / 2;
  let previous = start;
  const steps = [['revisar', 'bpmn:UserTask', 'Revisar la solicitud'],
                 ['calcular_tasa', 'bpmn:BusinessRuleTask', 'Calcular la tasa'],
                 ['liquidar_tasa', 'bpmn:ServiceTask', 'Liquidar la tasa en GAF'],
                 ['entregar', 'bpmn:UserTask', 'Entregar el permiso'],
                 ['emitir_permiso', 'bpmn:ServiceTask', 'Emitir el permiso'],
                 ['fin', 'bpmn:EndEvent', 'Permiso emitido']];
  steps.forEach(([id, type, name], index) => {
    const shape = modeling.appendShape(previous, {type}, {x: start.x + 200 + index * 170, y: row}, pool);
    modeling.updateProperties(shape, {id, name});
    previous = shape;
  });
  return lanes.map(l => l.id);
}"""


@pytest.fixture
def people(platform: Platform, sign_in: SignIn) -> dict[str, Person]:
    platform.seed_demo_users("analista", "ciudadana", "mesa")
    return {name: sign_in(name) for name in ("analista", "ciudadana", "mesa")}


def _check(person: Person, *exclude: str, dmn_logo: bool = False) -> None:
    """No axe-core violation outside ``exclude``, no CSP report.

    ``dmn_logo``: the one report the DMN editor's page has, and accepts, is the inline style of
    bpmn.io's logo, which dmn-js draws from a file its licence forbids changing (the page places
    the logo with its own CSS); no script and no other style is refused.
    """
    person.page.add_script_tag(url=person.base + "/static/vendor/axe.min.js")
    assert person.page.evaluate(AXE_OUTSIDE, list(exclude)) == [], person.page.url
    if dmn_logo:
        person.csp[:] = [m for m in person.csp if not m.startswith("Applying inline style violates")]
    assert person.csp == [], person.csp


def _open_modeller(person: Person, draft_id: int) -> None:
    person.go(f"/estudio/borradores/{draft_id}")
    person.page.wait_for_selector("#modelador[data-ready=true]", timeout=20000)


def _save_diagram(page: Any) -> None:
    saved = int(page.get_attribute("#modelador", "data-saved") or 0)
    page.click("#modelador-guardar")
    page.wait_for_selector(f"#modelador[data-saved='{saved + 1}']", timeout=20000)


def _select(page: Any, element_id: str) -> None:
    """Select an element as a click on it does, and open every group of the properties panel."""
    page.evaluate("(id) => { const m = window.studioModeller; "
                  "m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)
    page.wait_for_timeout(250)
    for _ in range(20):
        closed = page.locator("#modelador-propiedades .bio-properties-panel-group-header:not(.open)")
        if closed.count() == 0:
            break
        closed.first.click()


def _field(page: Any, entry: str, value: str) -> None:
    page.fill(f"#bio-properties-panel-{entry}", value)
    page.wait_for_timeout(350)  # the panel's inputs are debounced


def _add_field(page: Any, label: str, kind: str, within: str = "raiz") -> None:
    page.fill(f"#fe-nuevo-{within}-etiqueta", label)
    page.select_option(f"#fe-nuevo-{within}-tipo", kind)
    page.click(f"#fe-nuevo-{within}-agregar")
    page.wait_for_selector(f"text=Se agregó «{label}».")


def _card(page: Any, label: str) -> Any:
    return page.locator("li.fe-campo", has=page.locator(f"input[data-act='label'][value='{label}']")).last


def _cell(page: Any, rule: str, kind: str, text: str) -> None:
    """Type into a decision table cell (``kind``: ``in`` or ``out``) of the starting table's rule."""
    page.locator(f"td[data-element-id='{rule}_{kind}'] [contenteditable]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _build_start_form(analyst: Person, draft_id: int) -> None:
    page = analyst.page
    analyst.go(f"/estudio/borradores/{draft_id}/formularios")
    page.fill("#fe-titulo", "Solicitud")
    page.click("main button:has-text('Crear el formulario')")
    page.wait_for_url("**/formularios/solicitud.schema.json")
    page.wait_for_selector("#form-editor[data-started='true']")
    _add_field(page, "Nombre y apellido", "text")
    _card(page, "Nombre y apellido").locator("input[data-act='required']").check()
    _add_field(page, "DNI", "text")
    _card(page, "DNI").locator("input[data-act='required']").check()
    _add_field(page, "Descripción del puesto", "text")
    _add_field(page, "Tipo de puesto", "choice")
    options = _card(page, "Tipo de puesto").locator("textarea[data-act='options']")
    options.fill("Food truck\nCarro gastronómico")
    options.blur()
    page.wait_for_selector("text=Valores guardados: food_truck, carro_gastronomico")
    _card(page, "Tipo de puesto").locator("input[data-act='required']").check()
    _add_field(page, "Largo del vehículo en metros", "number")
    largo = _card(page, "Largo del vehículo en metros")
    largo.locator("select[data-act='when-field']").select_option("tipo_de_puesto")
    largo.locator("select[data-act='when-value']").select_option(label="Food truck")
    _add_field(page, "Foto del puesto", "file")
    _add_field(page, "Ubicación", "map")
    _add_field(page, "Ayudantes", "group")
    group = (_card(page, "Ayudantes").get_attribute("id") or "").removeprefix("fe-")
    _add_field(page, "Nombre del ayudante", "text", within=group)
    page.click("button[data-role='save']")
    page.wait_for_selector("text=Guardado a las")
    _check(analyst)


def _write_decision(analyst: Person, platform: Platform, draft_id: int) -> None:
    page = analyst.page
    analyst.go(f"/estudio/borradores/{draft_id}/tramite")
    page.fill("#decision-nombre", "Tasa del puesto")
    with page.expect_navigation():
        page.get_by_role("button", name="Crear la tabla").click()
    page.wait_for_selector("[data-dmn-editor][data-ready='true']")
    # the input reads the choice of the start form; the output is the fee in pesos
    page.locator("th.input-cell").first.dblclick()
    page.locator(".context-menu .dms-input-label").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Tipo de puesto")
    page.locator(".context-menu .ref-text").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("tipo_de_puesto")
    page.wait_for_timeout(400)  # dmn-js applies what is typed after a short pause
    page.locator("h1").click()  # the editor closes when the focus leaves it
    assert "Tipo de puesto" in page.locator("th.input-cell").first.inner_text()
    _cell(page, "r_tasa_del_puesto_1", "in", "\"food_truck\"")
    _cell(page, "r_tasa_del_puesto_1", "out", "\"150000.00\"")
    _cell(page, "r_tasa_del_puesto_2", "in", "carro gastronomico")  # a bad cell: two bare names
    _cell(page, "r_tasa_del_puesto_2", "out", "\"60000.00\"")
    page.get_by_role("button", name="Revisar").click()
    page.wait_for_selector("td.studio-cell-problem[data-element-id='r_tasa_del_puesto_2_in']")
    _check(analyst, ".studio-dmn-canvas", dmn_logo=True)
    _cell(page, "r_tasa_del_puesto_2", "in", "\"carro_gastronomico\"")
    page.get_by_role("button", name="Revisar").click()
    page.wait_for_selector("text=La tabla no tiene problemas.")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_selector("text=Se guardó la tabla.")
    with platform.app.app_context():
        table = drafts.files_of(drafts.get(draft_id))["tasa_del_puesto.dmn"]
    assert b"<text>tipo_de_puesto</text>" in table and b'"carro_gastronomico"' in table


def _make_certificate(analyst: Person, draft_id: int) -> None:
    page = analyst.page
    analyst.go(f"/estudio/borradores/{draft_id}/tramite")
    page.fill("#plantilla-carpeta", "permiso")
    with page.expect_navigation():
        page.get_by_role("button", name="Crear la plantilla").click()
    page.wait_for_selector("[data-template-editor][data-ready='true']")
    page.get_by_role("button", name="Vista previa").click()
    page.wait_for_selector("text=Vista previa actualizada.")
    pdf = page.request.get(page.evaluate("document.querySelector('iframe[data-preview]').src"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    _check(analyst)


def _set_properties(analyst: Person) -> None:
    page = analyst.page
    _select(page, "revisar")
    page.wait_for_selector("text=va a la bandeja del grupo «mesa_entradas»")
    page.select_option("#bio-properties-panel-studio-form", label="Crear revisar.schema.json")
    page.wait_for_selector("#bio-properties-panel-studio-form >> option[value='revisar.schema.json']",
                           state="attached")
    _field(page, "studio-sla", "3")
    _select(page, "entregar")
    _field(page, "studio-sla", "2")
    _select(page, "calcular_tasa")
    page.select_option("#bio-properties-panel-studio-called-decision", "tasa_del_puesto")
    _select(page, "liquidar_tasa")
    page.select_option("#bio-properties-panel-studio-operation", "gaf/liquidar_tasa")
    _field(page, "studio-param-concepto", "'Permiso para food truck'")
    _field(page, "studio-param-contribuyente", "{'nombre': nombre_y_apellido, 'dni': dni}")
    _field(page, "studio-param-importe", "resultado_tasa_del_puesto")
    _field(page, "studio-param-referencia", "numero_expediente")
    _field(page, "studio-result", "boleta")
    _select(page, "emitir_permiso")
    page.select_option("#bio-properties-panel-studio-operation", "documentos/emitir_certificado")
    _field(page, "studio-param-plantilla", "'permiso'")
    _field(page, "studio-param-titulo", "'Permiso para food truck'")
    _field(page, "studio-param-datos", "{'titular': nombre_y_apellido, 'tipo': tipo_de_puesto}")
    _field(page, "studio-result", "permiso")


def _deploy(page: Any) -> str:
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#modelador-desplegar")
    page.wait_for_selector("#modelador-desplegado:not([hidden])", timeout=20000)
    return str(page.inner_text("#modelador-desplegado"))


def _task(platform: Platform, number: str) -> Task:
    with platform.app.app_context():
        task = db.session.scalars(select(Task).join(Instance).where(Instance.number == number,
                                                                    Task.status == "ready")).one()
        db.session.expunge(task)
        return task


@pytest.fixture
def drafted(platform: Platform, people: dict[str, Person]) -> Iterator[tuple[Person, int]]:
    """The analyst signed in, on the studio, with a new draft made from the home page's form."""
    analyst = people["analista"]
    page = analyst.page
    assert page.url == analyst.base + "/estudio/"  # analysts land in the studio
    _check(analyst)
    page.fill("#nombre", NAME)
    page.fill("#clave", KEY)
    with page.expect_navigation():
        page.get_by_role("button", name="Crear borrador").click()
    page.wait_for_selector("#modelador[data-ready=true]", timeout=20000)
    found = re.search(r"/estudio/borradores/(\d+)", page.url)
    assert found, page.url
    yield analyst, int(found.group(1))


def test_an_analyst_makes_a_new_procedure_that_citizens_and_staff_use(
        platform: Platform, people: dict[str, Person], drafted: tuple[Person, int]) -> None:
    analyst, draft_id = drafted
    page = analyst.page
    lanes = page.evaluate(DRAW)
    assert len(lanes) == 2
    _save_diagram(page)
    _check(analyst, "#modelador-lienzo")

    # The check pins what is missing on the elements: two service tasks without an operation.
    page.click("#modelador-revisar")
    page.wait_for_selector(".studio-pin[data-element='liquidar_tasa']")
    page.wait_for_selector(".studio-pin[data-element='emitir_permiso']")
    page.evaluate("() => window.studioModeller.get('selection').select([])")
    page.click(".studio-pin[data-element='liquidar_tasa']")
    assert page.evaluate("() => window.studioModeller.get('selection').get().map(e => e.id)") == ["liquidar_tasa"]

    _build_start_form(analyst, draft_id)
    analyst.go(f"/estudio/borradores/{draft_id}/tramite")
    page.fill("#descripcion", "Permiso para instalar un food truck o un carro gastronómico en la vía pública.")
    page.fill("#requisitos", "DNI\nFoto del puesto")
    page.fill("#plazo", "5")
    page.select_option("#formulario_inicio", "solicitud.schema.json")
    page.select_option("#interfaz_inicio", "solicitud.uischema.json")
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar los datos").click()
    _check(analyst)
    _write_decision(analyst, platform, draft_id)
    _make_certificate(analyst, draft_id)

    _open_modeller(analyst, draft_id)
    _set_properties(analyst)
    _save_diagram(page)
    page.click("#modelador-revisar")
    page.wait_for_selector("#modelador-estado:has-text('La revisión no encontró problemas.')", timeout=20000)
    assert page.locator(".studio-pin").count() == 0 and page.inner_text("#modelador-problemas").strip() == ""
    _check(analyst, "#modelador-lienzo")
    assert _deploy(page).startswith(f"Versión 1 de «{KEY}» desplegada.")

    # A citizen starts it from the guide.
    citizen = people["ciudadana"]
    citizen.page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    citizen.go("/guia/")
    citizen.page.get_by_role("link", name=NAME).first.click()
    citizen.check()
    citizen.go(f"/iniciar/{KEY}")
    citizen.check()
    citizen.page.fill("#campo-nombre__y__apellido", "Marta Ruiz")
    citizen.page.fill("#campo-dni", "30123456")
    citizen.page.fill("#campo-descripcion__del__puesto", "Empanadas tucumanas")
    citizen.page.select_option("#campo-tipo__de__puesto", "food_truck")
    citizen.page.wait_for_selector("#campo-largo__del__vehiculo__en__metros", state="visible")
    citizen.page.wait_for_load_state("networkidle")
    citizen.page.fill("#campo-largo__del__vehiculo__en__metros", "6")
    citizen.send_form()
    found = re.search(r"/mis-tramites/(EX-\d{4}-\d{6}-SMT-[A-Z]+)", citizen.page.url)
    assert found, citizen.page.url
    first = found.group(1)
    citizen.check()

    # Mesa de Entradas clears the review; the case goes through the decision and GAF to the delivery.
    mesa = people["mesa"]
    review = _task(platform, first)
    assert review.element_id == "revisar" and review.candidate_group == "mesa_entradas"
    mesa.complete_task(review.id, lambda p: None)
    delivery = _task(platform, first)
    assert delivery.element_id == "entregar"
    with platform.app.app_context():
        data = db.session.scalars(select(Instance.data).where(Instance.number == first)).one()
    assert data["resultado_tasa_del_puesto"] == "150000.00" and data["boleta"]["importe"] == "150000.00"

    # Version 2: the delivery gets instructions and a longer term; the diff shows it; the first case moves.
    _open_modeller(analyst, draft_id)
    _select(page, "entregar")
    _field(page, "studio-instructions", "Entregue el permiso impreso y la oblea para el vehículo.")
    _field(page, "studio-sla", "4")
    _save_diagram(page)
    assert _deploy(page).startswith(f"Versión 2 de «{KEY}» desplegada.")
    analyst.go("/estudio/")
    with page.expect_navigation():
        page.get_by_role("link", name="Cambios desde v1").first.click()
    assert "entregar" in page.inner_text("main")
    _check(analyst)
    page.get_by_label(f"Migrar el expediente {first}").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Migrar los marcados a la versión 2").click()
    assert first in page.inner_text("main")
    _check(analyst)
    with platform.app.app_context():
        assert db.session.scalars(select(Instance.version).where(Instance.number == first)).one() == 2

    migrated = _task(platform, first)  # the waiting task reads version 2: its instructions are the new ones
    assert migrated.element_id == "entregar" and "oblea para el vehículo" in (migrated.instructions or "")
    mesa.complete_task(migrated.id, lambda p: None)
    with platform.app.app_context():
        case = db.session.scalars(select(Instance).where(Instance.number == first)).one()
        assert case.status == "completed", case.status
        assert db.session.scalars(select(Certificate.title).where(Certificate.case_number == first)).all() == [
            "Permiso para food truck"]
        assert [d.version for d in db.session.scalars(select(Deployment).where(Deployment.key == KEY))] == [1, 2]
