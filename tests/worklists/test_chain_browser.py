"""The whole chain in Chromium on the real habilitación comercial (issue #8, "Tests and benchmarks").

A citizen with a local account applies in the portal with the three documents; a Mesa de
Entradas employee signs in through the directory (a real ``slapd``), claims the review in the
group inbox and asks for a correction, which stops the case's clock; the citizen answers from
"Mis trámites" two weeks later and the expected date moves by the business days the clock
stood still; Mesa approves, the citizen pays at the embedded GAF sandbox, a Dirección de
Comercio member (also from the directory) grants the licence, and the citizen downloads it and
has it verified, by file and by code. axe-core on every page of ours (not on the GAF sandbox,
which stands in for a foreign system and whose CSP refuses axe), and no CSP violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import ldap3
import pytest

from connectors.gaf.sandbox import sandbox_of
from engine.deadlines.holidays import city_calendar
from tests.fixtures.browser import axe_violations, rerendered
from tests.fixtures.services import LdapDirectory
from tests.procedures import conftest as procedures
from tests.procedures.conftest import PDF_BYTES, PNG_BYTES, Case, Platform

pytestmark = pytest.mark.browser

# The procedures' platform (served over HTTP with a test clock, GAF sandbox, SMTP), shared here.
make_platform = procedures.make_platform
procedures_signing_p12 = procedures.procedures_signing_p12

KEY = "habilitacion_comercial"
DIRECTION = "direccion_comercio"
MESA_STAFF, DIRECTION_STAFF = "jperez", "lrodriguez"  # in the slapd fixture; lrodriguez joins DIRECTION here
PAUSE = timedelta(days=14)  # how long the citizen takes to answer (the case is archived after 30)
REMARKS = "El plano no indica la superficie del depósito."


class Visitor:
    """One person in their own Chromium context: checks each page with axe-core, records CSP refusals."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context(locale="es-AR")
        self.page = self.context.new_page()
        self.base = base
        self.csp: list[str] = []
        self.page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)

    def sign_in(self, path: str, username: str, password: str) -> None:
        """Open ``path`` signed out, sign in on the page it leads to and come back to ``path``."""
        self.page.goto(self.base + path)
        assert "/ingresar?siguiente=" in self.page.url, self.page.url
        self.check()
        self.page.fill("#campo-usuario", username)
        self.page.fill("#campo-contrasena", password)
        self.page.click("main button:has-text('Ingresar')")
        self.page.wait_for_url(self.base + path)

    def go(self, path: str) -> None:
        """Open a page of the platform; it must answer 200."""
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path

    def check(self) -> None:
        """Zero axe-core (WCAG 2.1 A/AA) violations on the page shown, and no CSP violation so far."""
        assert axe_violations(self.page, self.base) == [], self.page.url
        assert self.csp == [], self.csp

    def text(self) -> str:
        return str(self.page.locator("main").inner_text())

    def term(self, label: str) -> str:
        """The value next to a ``<dt>`` of the page's description lists."""
        return str(self.page.locator(f"dt:text-is('{label}') + dd").first.inner_text()).strip()


@contextmanager
def _directory(slapd: LdapDirectory) -> Iterator[ldap3.Connection]:
    conn = ldap3.Connection(ldap3.Server(slapd.url), slapd.bind_dn, slapd.bind_password, auto_bind=True,
                            raise_exceptions=True)
    try:
        yield conn
    finally:
        conn.unbind()


@pytest.fixture
def direction_group(slapd: LdapDirectory) -> Iterator[str]:
    """A directory group ``direccion_comercio`` with one member, for this test only.

    The session's slapd is shared with other tests, so the group goes away afterwards.
    """
    dn = f"cn={DIRECTION},{slapd.groups_dn}"
    with _directory(slapd) as conn:
        conn.add(dn, "groupOfNames", {"cn": DIRECTION, "member": [slapd.user_dn(DIRECTION_STAFF)]})
    try:
        yield DIRECTION_STAFF
    finally:
        with _directory(slapd) as conn:
            conn.delete(dn)


@pytest.fixture
def platform(make_platform: Callable[..., Platform], slapd: LdapDirectory, direction_group: str,
             tmp_path_factory: pytest.TempPathFactory) -> Platform:
    """The platform with staff sign-in against the directory (``LDAP_*`` settings, as in production).

    The directory's member of the Dirección de Comercio has a signing credential of their own.
    """
    keys = procedures.officials_keys(tmp_path_factory, (DIRECTION_STAFF, "Directora de Comercio (prueba)",
                                                        "Directora de Comercio"))
    built = make_platform(**slapd.connector_config(), OFFICIAL_KEYS_DIR=str(keys))
    built.deploy(KEY)
    built.seed_demo_users("ciudadana", "hacienda")
    return built


@pytest.fixture
def visitors(platform: Platform, browser: Any) -> Iterator[Callable[[], Visitor]]:
    """Open a browser context per person; all are closed after the test."""
    opened: list[Visitor] = []

    def open_one() -> Visitor:
        opened.append(Visitor(browser, platform.url))
        return opened[-1]

    try:
        yield open_one
    finally:
        for visitor in opened:
            visitor.context.close()


def _apply(citizen: Visitor, tmp_path: Path) -> str:
    """Fill and send the application with its three documents; return the case number."""
    page = citizen.page
    citizen.go(f"/iniciar/{KEY}")
    citizen.check()
    page.check("#campo-tipo__persona--0")
    page.fill("#campo-titular", "María Fernández")
    page.fill("#campo-cuit", "27301112224")
    page.fill("#campo-email", "ciudadana@example.com")
    page.fill("#campo-nombre__comercio", "Almacén Don Pepe")
    page.fill("#campo-domicilio", "San Martín 450")
    page.select_option("#campo-rubro", "almacen")
    page.fill("#campo-superficie", "45")
    for field, name, content in (("dni", "dni.pdf", PDF_BYTES), ("titulo", "contrato.pdf", PDF_BYTES),
                                 ("plano", "plano.png", PNG_BYTES)):
        (tmp_path / name).write_bytes(content)
        page.set_input_files(f"#campo-{field}__archivo", str(tmp_path / name))
        page.locator(f"#campo-{field}__archivo--subida-estado").filter(has_text=f"Archivo cargado: {name}").wait_for()
    citizen.check()
    with page.expect_navigation():
        page.click("form button[type=submit][value=enviar]")
    match = re.search(r"/mis-tramites/(EX-\d{4}-\d{6}-SMT-HAB)\?nuevo=1", page.url)
    assert match, page.url
    citizen.check()
    return match.group(1)


def _claim_and_open(staff: Visitor, me: str, box: str, number: str, task_name: str) -> None:
    """In the group's inbox, claim the case's task (htmx swaps the list) and open its page."""
    page = staff.page
    staff.go(f"/bandeja/?bandeja={box}")
    row = page.locator("tr", has_text=number)
    assert row.count() == 1 and "Sin asignar" in row.inner_text() and task_name in row.inner_text()
    staff.check()
    row.get_by_role("button", name="Tomar").click()
    page.wait_for_selector("text=Tareas tomadas: 1.")
    assert me in page.locator("tr", has_text=number).inner_text()
    staff.check()
    page.locator("tr", has_text=number).get_by_role("link", name=task_name).click()
    page.wait_for_selector("#form-title")
    staff.check()


def _complete(staff: Visitor, number: str, task_name: str) -> None:
    """Press «Completar» on the task page; the inbox comes back with the confirmation."""
    staff.page.wait_for_load_state("networkidle")  # a change may have re-rendered the form (htmx)
    staff.page.click("form[action$='/completar'] button[type=submit].primary")
    staff.page.wait_for_selector(f"text=Completó «{task_name}» del expediente {number}.")
    staff.check()


def _staff_case_view(staff: Visitor, number: str, current: str | None) -> str:
    """Open the staff's case view; check the diagram marks ``current``; return the page's text."""
    staff.go(f"/bandeja/expedientes/{number}")
    staff.page.wait_for_selector("#diagrama[data-ready='true']")
    if current:
        assert staff.page.locator(f".djs-element.path-current[data-element-id='{current}']").count() == 1
    staff.check()
    return staff.text()


def _parse(day: str) -> date:
    return datetime.strptime(day, "%d/%m/%Y").date()


def _correct(citizen: Visitor, number: str, tmp_path: Path) -> None:
    """From "Mis trámites", open the pending correction, answer it with a new plan and send it."""
    page = citizen.page
    citizen.go(f"/mis-tramites/{number}")
    pending = page.locator("#pendientes + ul").inner_text()
    assert "Corregir la solicitud" in pending
    assert f"«{REMARKS}»" in pending  # what Mesa asked for, in the pending action of the case page
    citizen.check()
    citizen.go("/mis-tramites/")
    entry = page.locator("main li", has_text=number)
    citizen.check()
    entry.get_by_role("link", name="Pendiente: Corregir la solicitud").click()
    page.wait_for_selector("#campo-respuesta")
    assert "plazo del trámite queda en pausa" in citizen.text()
    assert f"«{REMARKS}»" in citizen.text()  # the instructions carry what Mesa asked for
    citizen.check()
    page.fill("#campo-respuesta", "Adjunto el plano con el depósito señalado.")
    (tmp_path / "plano-corregido.pdf").write_bytes(PDF_BYTES)
    page.set_input_files("#campo-plano__archivo", str(tmp_path / "plano-corregido.pdf"))
    page.locator("#campo-plano__archivo--subida-estado").filter(
        has_text="Archivo cargado: plano-corregido.pdf").wait_for()
    citizen.check()
    with page.expect_navigation():
        page.click("main form button[type=submit].primary")
    assert page.url.endswith(f"/mis-tramites/{number}"), page.url
    assert "Acciones pendientes" not in citizen.text()
    citizen.check()


def _plain_text(message: Any) -> str:
    body = message.get_body(("plain",))
    assert body is not None, message
    return str(body.get_content())


def _pay_at_gaf(citizen: Visitor, platform: Platform, case: Case) -> None:
    """Follow the slip's link of the e-mail to the GAF sandbox and press «Pagar»; GAF's notice moves the case."""
    slip = case.data["boleta"]
    bodies = [_plain_text(r.message) for r in platform.mail.wait_for(3)]  # start, correction, slip
    assert any(slip["url_boleta"] in body for body in bodies), bodies
    citizen.page.goto(slip["url_boleta"])
    assert slip["numero"] in citizen.text()  # GAF's page (a stand-in for a foreign system): no axe here
    with citizen.page.expect_navigation():
        citizen.page.click("form button[type=submit]")
    assert sandbox_of(platform.app).webhooks.wait(15), "the GAF notice was not delivered in time"


def _download_and_verify(citizen: Visitor, number: str, tmp_path: Path) -> None:
    """Download the licence from the case page, have the file judged, then open its code's page."""
    page = citizen.page
    citizen.go(f"/mis-tramites/{number}")
    citizen.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar Licencia de habilitación comercial").click()
    licence = tmp_path / "licencia.pdf"
    download.value.save_as(licence)
    assert licence.read_bytes().startswith(b"%PDF-")

    citizen.go("/verificar/")
    citizen.check()
    page.set_input_files("#file", str(licence))
    with page.expect_navigation():
        page.click("main button:has-text('Verificar')")
    assert "El documento es auténtico" in citizen.text() and citizen.term("Expediente") == number
    citizen.check()
    code = citizen.term("Código")
    citizen.go(f"/verificar/{code}")
    assert "El documento es auténtico" in citizen.text()
    assert citizen.term("Documento") == "Licencia de habilitación comercial" and citizen.term("Expediente") == number
    citizen.check()


def test_the_whole_chain_from_application_to_verified_licence(platform: Platform, slapd: LdapDirectory,
                                                              visitors: Callable[[], Visitor],
                                                              tmp_path: Path) -> None:
    citizen, mesa, direction = visitors(), visitors(), visitors()
    citizen.sign_in("/mis-tramites/", "ciudadana", "demo-ciudadana")
    number = _apply(citizen, tmp_path)
    expected_at_start = _parse(citizen.term("Fecha estimada de finalización"))
    [listed] = platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"]
    case = Case(platform, listed["id"], number)

    # Mesa de Entradas, from the directory, asks for a correction: the clock stops.
    mesa.sign_in("/bandeja/", MESA_STAFF, slapd.users[MESA_STAFF])
    _claim_and_open(mesa, MESA_STAFF, "mesa_entradas", number, "Revisar la documentación")
    mesa.page.fill("#campo-observaciones", REMARKS)
    _complete(mesa, number, "Revisar la documentación")
    assert case.ready() == ["corregir_solicitud"]
    shown = _staff_case_view(mesa, number, "corregir_solicitud")
    assert "El plazo se detuvo mientras espera a quien inició el trámite" in shown

    assert platform.advance(PAUSE) == 0  # two weeks pass (the case is archived only after 30 days)
    _correct(citizen, number, tmp_path)
    [resumed] = [e for e in case.events() if e["type"] == "clock_resumed"]
    paused = resumed["data"]["business_days"]
    with platform.app.app_context():
        calendar = city_calendar("America/Argentina/Tucuman")
        paused_on = calendar.local_date(platform.clock.now - PAUSE)
        assert paused == calendar.business_days_between(paused_on, paused_on + PAUSE) > 0, resumed
        moved = calendar.add_business_days(expected_at_start, paused)
    assert _parse(citizen.term("Fecha estimada de finalización")) == moved  # the pause is added, nothing else
    assert "El plazo volvió a correr" in _staff_case_view(mesa, number, "revisar_documentacion")

    # Mesa accepts the corrected application; the citizen pays the fee at GAF.
    _claim_and_open(mesa, MESA_STAFF, "mesa_entradas", number, "Revisar la documentación")
    mesa.page.check("#campo-documentacion__completa")
    _complete(mesa, number, "Revisar la documentación")
    _pay_at_gaf(citizen, platform, case)
    assert case.ready() == ["resolver"]

    # The Dirección de Comercio, from the directory too, grants the licence.
    direction.sign_in("/bandeja/", DIRECTION_STAFF, slapd.users[DIRECTION_STAFF])
    _claim_and_open(direction, DIRECTION_STAFF, DIRECTION, number, "Resolver la habilitación")
    rerendered(direction.page, lambda: direction.page.check("#campo-decision--0"))
    direction.page.fill("#campo-fundamentos", "Documentación completa y tasa abonada.")
    _complete(direction, number, "Resolver la habilitación")
    assert case.status == "waiting"  # the licence waits for the officials' signatures

    # The same member of the directory signs the licence from the porta firma; then the Secretario.
    direction.go("/bandeja/firmas/")
    assert number in direction.page.locator("tr", has_text="Licencia de habilitación comercial").inner_text()
    direction.check()
    direction.page.fill("#clave", f"firma-{DIRECTION_STAFF}")
    with direction.page.expect_navigation():
        direction.page.click("main button:has-text('Firmar los documentos elegidos')")
    assert "Firmó 1 documento." in direction.text()
    assert platform.sign_as("hacienda") == 1
    assert case.status == "completed"

    _download_and_verify(citizen, number, tmp_path)
