"""Shared fixtures of the procedure tests: a platform served over real HTTP, its clock, GAF payments.

Every procedure of ``processes/`` talks to the embedded GAF sandbox through HTTP at the
platform's ``PUBLIC_URL`` (the cadastre connector reads the sample parcels' file, owners
included; the public ``/ogc`` has none), so the platform is served on a loopback port for
the test. Payments go the real way: the sandbox's "Pagar" button records
the payment and sends GAF's signed notice to ``POST /hooks/gaf``, which moves the case.

Use ``platform`` (a :class:`Platform`) in a test::

    def test_x(platform: Platform) -> None:
        platform.deploy("habilitacion_comercial")
        case = platform.start("habilitacion_comercial", {...})
        case.complete("revisar_documentacion", {...})
        platform.pay(case.data["boleta"]["numero"])
        platform.advance(timedelta(days=11))

The helpers of this module are shared by every procedure's tests: keep their names and
signatures stable.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from flask import Flask

from connectors.documents.officials import create_official_credential
from connectors.documents.signing import create_development_certificate
from connectors.gaf.sandbox import sandbox_of
from engine.background.jobs import run_due_work
from engine.casefile import expediente
from engine.identity.accounts import ensure_group, ensure_user
from engine.settings import served_at
from engine.signatures import porta_firma
from engine.uow import unit_of_work
from storage.uploads import receive
from tests.fixtures.browser import LiveServer, axe_violations
from tests.fixtures.engine import GAF_SANDBOX, ApiClient, make_token
from tests.fixtures.identity import Web
from tests.fixtures.require import free_port
from tests.fixtures.smtp import SmtpServer

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
DEMO_USERS = PROCESSES / "demo_users.yaml"
SIGNING_PASSWORD = "clave-de-procedimientos"
#: Demo officials who sign decisions from their porta firma (passphrase ``firma-<username>``, as ``tramites init``).
SIGNING_OFFICIALS = ("direccion", "hacienda")

#: The smallest files the upload checks recognise by content (storage.sniff), for file fields.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class Clock:
    """The platform's clock, moved by the tests (installed as ``Runtime.clock``).

    It starts at the real current time so that dates sent to GAF (which checks them against
    its own calendar) stay valid.
    """

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Case:
    """One case of a procedure, read and driven through the REST API."""

    platform: Platform
    id: str
    number: str

    @property
    def detail(self) -> dict[str, Any]:
        return self.platform.api.instance(self.id)

    @property
    def status(self) -> str:
        return str(self.detail["status"])

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.detail["data"])

    def ready(self) -> list[str]:
        """Element ids of the ready human tasks, sorted."""
        return sorted(t["element_id"] for t in self.detail["tasks"])

    def task(self, element_id: str) -> dict[str, Any]:
        """The ready task of this element (fails the test when there is none)."""
        return self.platform.api.ready_task(self.id, element_id)

    def submit(self, element_id: str, data: dict[str, Any] | None = None) -> Any:
        """Complete a ready task and return the raw response (for tests of refused data)."""
        return self.platform.api.complete(self.task(element_id)["id"], data or {})

    def complete(self, element_id: str, data: dict[str, Any] | None = None) -> None:
        """Complete a ready task; the API must accept it."""
        response = self.submit(element_id, data)
        assert response.status_code == 200, response.get_json()

    def events(self) -> list[dict[str, Any]]:
        """The case's audit events, oldest first (every page)."""
        items: list[dict[str, Any]] = []
        for page in range(1, 100):
            response = self.platform.api.get(f"/api/v1/instances/{self.id}/events?per_page=200&page={page}")
            assert response.status_code == 200, response.get_json()
            batch = response.get_json()["items"]
            items.extend(batch)
            if len(batch) < 200:
                break
        return items

    def path(self) -> list[str]:
        """Element ids in the order the audit trail recorded their completion."""
        return [e["element_id"] for e in self.events() if e["type"] == "element_completed"]

    def incidents(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.detail.get("incidents") or []
        return items

    def documents(self) -> list[Any]:
        """The case file's documents in folio order (``engine.casefile.expediente.documents``)."""
        with self.platform.app.app_context():
            return expediente.documents(self.id)


class Person:
    """A demo user signed in, in their own browser context (Playwright); checks pages with axe-core.

    Build it with :meth:`Platform.person` (seed the demo users first); close ``context`` after the test.
    """

    def __init__(self, app: Flask, browser: Any, base: str, username: str) -> None:
        self.app = app
        self.context = browser.new_context(locale="es-AR")
        self.page = self.context.new_page()
        self.base = base
        self.csp: list[str] = []
        self.page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)
        self.go("/ingresar")
        self.page.fill("input[name=usuario]", username)
        self.page.fill("input[name=contrasena]", f"demo-{username}")
        with self.page.expect_navigation():
            self.page.click("form button[type=submit]")
        assert "/ingresar" not in self.page.url, f"{username} could not sign in"

    def go(self, path: str) -> None:
        """Open a page of the platform (or an absolute address, such as a GAF slip); it must answer 200."""
        response = self.page.goto(path if path.startswith("http") else self.base + path)
        assert response is not None and response.status == 200, path

    def check(self) -> None:
        """Zero axe-core (WCAG 2.1 A/AA) violations on the page shown, and no CSP violation so far."""
        assert axe_violations(self.page, self.base) == [], self.page.url
        assert self.csp == [], self.csp

    def send_form(self) -> None:
        """Send the portal's start or task form (its «Enviar» button) and wait for the next page."""
        with self.page.expect_navigation():
            self.page.click("form button[type=submit][value=enviar]")

    def complete_task(self, task_id: str, fill: Callable[[Any], None]) -> None:
        """Open a staff task in the worklist, fill its form with ``fill(page)`` and complete it."""
        self.go(f"/bandeja/tareas/{task_id}")
        self.check()
        fill(self.page)
        self.page.wait_for_load_state("networkidle")  # the form's htmx re-render after a change
        with self.page.expect_navigation():
            self.page.click("form[action$='/completar'] button[type=submit].primary")

    def pay_at_gaf(self, slip_url: str) -> None:
        """Press «Pagar» on the GAF sandbox's slip page; wait until GAF's signed notice was delivered."""
        self.page.goto(slip_url)
        with self.page.expect_navigation():
            self.page.click("form button[type=submit]")
        assert sandbox_of(self.app).webhooks.wait(15), "the GAF notice was not delivered in time"


@dataclass
class Platform:
    """The platform under test: the app, its address, an admin API client and its clock."""

    app: Flask
    url: str
    api: ApiClient
    clock: Clock
    #: The SMTP server the notification connector sends to (cleared for each platform).
    mail: SmtpServer

    def deploy(self, key: str) -> dict[str, Any]:
        """Deploy ``processes/<key>`` through the API; it must be accepted without warnings."""
        response = self.api.deploy(PROCESSES / key)
        body: dict[str, Any] = response.get_json()
        assert response.status_code in (200, 201), body
        assert not body.get("warnings"), body["warnings"]
        return body

    def start(self, key: str, data: dict[str, Any] | None = None, api: ApiClient | None = None) -> Case:
        """Start a case of ``key`` with ``data`` (the start form's fields) through the API."""
        response = (api or self.api).start(key, data or {})
        body = response.get_json()
        assert response.status_code == 201, body
        return Case(self, body["id"], body["number"])

    def client(self, *scopes: str, name: str = "acotado") -> ApiClient:
        """Another API client whose token has only ``scopes``."""
        return ApiClient(self.app, make_token(self.app, name, *scopes))

    def upload(self, name: str, content: bytes = PDF_BYTES) -> dict[str, Any]:
        """Store a file as the fronts do and return the reference a file field holds."""
        with self.app.app_context():
            stored = receive(self.app.extensions["tramites"].documents.store, io.BytesIO(content),
                             max_bytes=10 * 1024 * 1024, display_name=name)
        return {"key": stored.key, "name": stored.display_name, "content_type": stored.content_type,
                "size": stored.size, "sha256": stored.sha256}

    def pay(self, slip_number: str) -> None:
        """Pay a GAF slip at the sandbox; GAF's signed notice reaches ``POST /hooks/gaf``.

        Returns once the notice was delivered and accepted (the case has moved on).
        """
        paid = requests.post(f"{self.url}/_sandbox/gaf/boletas/{slip_number}/pagar", allow_redirects=False,
                             timeout=10)
        assert paid.status_code == 303, paid.text[:500]
        sandbox = sandbox_of(self.app)
        assert sandbox.webhooks.wait(15), "the GAF notice was not delivered in time"
        notice = sandbox.ledger.notice(slip_number)
        assert notice is not None and (notice.get("entrega") or {}).get("entregado") is True, notice

    def advance(self, delta: timedelta) -> int:
        """Move the clock and fire due work as the background runner would; return the jobs run."""
        self.clock.now += delta
        with self.app.app_context():
            ctx = self.app.extensions["tramites"].engine_context()
            # as the background runner does: what a job sends leaves once its step commits
            return run_due_work(ctx, lambda: unit_of_work(ctx.after_commit))

    def seed_demo_users(self, *usernames: str) -> None:
        """Create the demo users of ``processes/demo_users.yaml`` (as ``tramites init`` does).

        :param usernames: only these (all of them when none is named); passwords as in the file.
        """
        with self.app.app_context(), unit_of_work():
            for entry in _demo_entries():
                if usernames and entry["username"] not in usernames:
                    continue
                ensure_user(entry["username"], display_name=entry["name"], password=entry["password"],
                            email=entry.get("email"), roles=tuple(entry.get("roles", ["citizen"])),
                            groups=tuple(entry.get("groups", [])), cuit=entry.get("cuit"))

    def person(self, browser: Any, username: str) -> Person:
        """A demo user (``demo-<name>`` password) signed in to the served platform in Chromium."""
        return Person(self.app, browser, self.url, username)

    def signing_turns(self, username: str) -> list[str]:
        """The porta firma steps waiting for this official's signature (their groups' turns)."""
        [entry] = [e for e in _demo_entries() if e["username"] == username]
        with self.app.app_context():
            return [step.id for step in porta_firma.waiting_for(list(entry.get("groups", [])))]

    def sign_as(self, username: str) -> int:
        """A demo official (seeded) signs every document waiting for them from ``/bandeja/firmas/``.

        :return: how many they signed.
        """
        steps = self.signing_turns(username)
        web = Web(self.app.test_client())
        web.sign_in(username, f"demo-{username}")
        token = web.form_token("/bandeja/firmas/")
        response = web.client.post("/bandeja/firmas/firmar",
                                   data={"paso": steps, "clave": f"firma-{username}", "csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return len(steps)

    def refuse_signature(self, username: str, reason: str) -> None:
        """A demo official (seeded) refuses to sign the one document waiting for them, with a reason."""
        [step] = self.signing_turns(username)
        web = Web(self.app.test_client())
        web.sign_in(username, f"demo-{username}")
        refused = web.post_form(f"/bandeja/firmas/{step}/rechazar", {"motivo": reason}, token_from="/bandeja/firmas/")
        assert refused.status_code == 303, refused.get_data(as_text=True)[:500]

    def verify(self, code: str) -> dict[str, Any]:
        """What ``/verificar/<code>`` answers (JSON) about a certificate."""
        response = self.app.test_client().get(f"/verificar/{code}", headers={"Accept": "application/json"})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        body: dict[str, Any] = response.get_json()
        return body


def _demo_entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(DEMO_USERS.read_text(encoding="utf-8"))["users"]
    return entries


def _seed_groups(app: Flask) -> None:
    """Create the staff groups of the demo users, so lanes that name them deploy without warnings."""
    names = sorted({group for entry in _demo_entries() for group in entry.get("groups", [])})
    with app.app_context(), unit_of_work():
        for name in names:
            ensure_group(name)


@pytest.fixture(scope="session")
def procedures_signing_p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A development signing certificate for the certificates procedures issue."""
    return create_development_certificate(tmp_path_factory.mktemp("firma") / "dev.p12", SIGNING_PASSWORD)


def officials_keys(tmp_path_factory: pytest.TempPathFactory, *extra: tuple[str, str, str]) -> Path:
    """A folder with the signing credentials of the demo officials who sign decisions (as ``tramites init``).

    Made once per session (other test modules reuse ``make_platform`` by name, so this is no
    fixture of its own); ``extra`` adds ``(username, name, role)`` officials in a folder of their own.
    """
    wanted = [(e["username"], e["name"], e.get("cargo") or e["name"])
              for e in _demo_entries() if e["username"] in SIGNING_OFFICIALS] + list(extra)
    key = tuple(wanted)
    if key not in _OFFICIALS_FOLDERS:
        folder = tmp_path_factory.mktemp("firmas_funcionarios")
        for username, name, role in wanted:
            create_official_credential(folder / f"{username}.p12", f"firma-{username}", full_name=name, role=role)
        _OFFICIALS_FOLDERS[key] = folder
    return _OFFICIALS_FOLDERS[key]


_OFFICIALS_FOLDERS: dict[tuple[tuple[str, str, str], ...], Path] = {}


@pytest.fixture
def make_platform(make_app: Callable[..., Flask], live_server: Callable[..., LiveServer],
                  procedures_signing_p12: Path, tmp_path_factory: pytest.TempPathFactory,
                  smtp_server: SmtpServer) -> Callable[..., Platform]:
    """Build and serve a platform (extra settings override the defaults) with a test clock.

    E-mail goes to the session's SMTP server (``platform.mail``), emptied for each platform.
    ``PUBLIC_URL=None`` leaves it unset: the platform learns the port it is served at as
    ``tramites serve`` tells it.
    """

    def build(**overrides: Any) -> Platform:
        port = free_port()
        settings = {"PUBLIC_URL": f"http://127.0.0.1:{port}", "SIGNING_CERT": str(procedures_signing_p12),
                    "SIGNING_PASSWORD": SIGNING_PASSWORD, "OFFICIAL_KEYS_DIR": str(officials_keys(tmp_path_factory)),
                    **GAF_SANDBOX, **smtp_server.settings(), **overrides}
        app = make_app(**settings)
        served_at(app.config["TRAMITES"], "127.0.0.1", port)
        _seed_groups(app)
        clock = Clock()
        app.extensions["tramites"].clock = clock
        url = live_server(app, port).url
        smtp_server.clear()
        return Platform(app, url, ApiClient(app, make_token(app, "pruebas", "admin")), clock, smtp_server)

    return build


@pytest.fixture
def platform(make_platform: Callable[..., Platform]) -> Platform:
    """A served platform with an admin API client and a clock the test moves."""
    return make_platform()


SignIn = Callable[[str], Person]


@pytest.fixture
def sign_in(platform: Platform, browser: Any) -> Iterator[SignIn]:
    """``sign_in(username)``: a demo user signed in, in a browser context of their own, closed after the test."""
    opened: list[Person] = []

    def open_for(username: str) -> Person:
        opened.append(platform.person(browser, username))
        return opened[-1]

    yield open_for
    for person in opened:
        person.context.close()
