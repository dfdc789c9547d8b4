"""The people of ``bench/load.py``'s morning, as Locust users: run by Locust, not by hand.

``bench/load.py`` starts ``locust --headless -f bench/load_users.py`` once per offered load
against a gunicorn it started on a throw-away PostgreSQL, with the accounts and the API token
it seeded in ``LOAD_*`` variables. Every user works on the sample procedure «Reclamo»
(``processes/reclamo``, deployed by ``tramites init``), whose lighting complaints go to the
«alumbrado» group:

- citizens sign in to the portal, file complaints, follow their cases and rate the answers;
- staff of «alumbrado» read their group's worklist, claim a task and resolve it;
- supervisors read the dashboard and download its CSV of open work;
- integrations start complaints and read cases over the REST API with a token.

Locust (and its gevent monkey-patching) lives only in the process Locust starts: the
platform runs in gunicorn, another process. Requests are named by kind ("ciudadano: iniciar")
so the table shows one line per kind of request.
"""

from __future__ import annotations

import os
import random
import re
from html import unescape
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

PROCEDURE = "reclamo"
GROUP = "alumbrado"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CLAIM = re.compile(r"/bandeja/tareas/([0-9a-f-]{36})/tomar")
CASE = re.compile(r'href="(/mis-tramites/EX-[^"/?]+)"')
CITIZEN_TASK = re.compile(r'href="(/mis-tramites/EX-[^"/?]+/tareas/[^"]+)"')
COMPLAINT = {"categoria": "alumbrado", "descripcion": "La luminaria de la esquina está apagada hace tres días.",
             "ubicacion": {"lat": -26.83, "lon": -65.21}, "direccion": "24 de Septiembre 500"}
_requests_seen = 0


@events.request.add_listener
def _stop_at_the_request_cap(**_: Any) -> None:
    """Bound a run in count as well as in time: quit once ``LOAD_MAX_REQUESTS`` requests were made."""
    global _requests_seen
    _requests_seen += 1
    cap = int(os.environ.get("LOAD_MAX_REQUESTS", "0"))
    if cap and _requests_seen == cap:
        environment: Environment | None = _ENVIRONMENT.get("env")
        if environment is not None and environment.runner is not None:
            gevent.spawn(environment.runner.quit)  # not from the user's own greenlet, which quit kills


_ENVIRONMENT: dict[str, Environment] = {}


@events.init.add_listener
def _keep_environment(environment: Environment, **_: Any) -> None:
    _ENVIRONMENT["env"] = environment


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    return unescape(found.group(1)) if found else ""


def _account(kind: str) -> tuple[str, str]:
    """One of the ``LOAD_<KIND>`` accounts (``name1,name2:password``), chosen at random."""
    names, password = os.environ[f"LOAD_{kind}"].rsplit(":", 1)
    return random.choice(names.split(",")), password  # noqa: S311  (a load mix, not a secret)


class PortalUser(HttpUser):
    """Someone who signs in to the web fronts with a password, as a browser does."""

    abstract = True
    account = "CITIZENS"

    def on_start(self) -> None:
        username, password = _account(self.account)
        page = self.client.get("/ingresar", name="ingresar: formulario")
        self.client.post("/ingresar", name="ingresar: enviar", allow_redirects=False,
                         data={"usuario": username, "contrasena": password, "csrf_token": _csrf(page.text)})


class Citizen(PortalUser):
    """A resident filing a complaint and following it until she rates the answer."""

    weight = 5
    wait_time = between(2, 6)

    @task(2)
    def file_complaint(self) -> None:
        form = self.client.get(f"/iniciar/{PROCEDURE}", name="ciudadano: formulario")
        fields = {"$/" + name: value for name, value in COMPLAINT.items() if isinstance(value, str)}
        with self.client.post("/iniciar", name="ciudadano: iniciar", allow_redirects=False, catch_response=True,
                              data={**fields, "csrf_token": _csrf(form.text), "tramite": PROCEDURE, "!o": "1",
                                    "!o/ubicacion": "1", "$/ubicacion/lat": "-26.83", "$/ubicacion/lon": "-65.21",
                                    "$/canal": "web", "$/anonimo": "false", "accion": "enviar"}) as answer:
            if answer.status_code != 302 or "/mis-tramites/" not in answer.headers.get("Location", ""):
                answer.failure(f"no case started (HTTP {answer.status_code})")

    @task(4)
    def follow_a_case(self) -> None:
        listing = self.client.get("/mis-tramites/", name="ciudadano: mis trámites")
        cases = CASE.findall(listing.text)
        if cases:
            case = self.client.get(random.choice(cases), name="ciudadano: ver expediente")  # noqa: S311
            pending = CITIZEN_TASK.findall(case.text)
            if pending:
                self._rate(pending[0])

    def _rate(self, path: str) -> None:
        page = self.client.get(path, name="ciudadano: calificar (formulario)")
        case, _, task_id = path.removeprefix("/mis-tramites/").partition("/tareas/")
        self.client.post("/mis-tramites/tareas", name="ciudadano: calificar", allow_redirects=False,
                         data={"csrf_token": _csrf(page.text), "expediente": case, "tarea": task_id, "!o": "1",
                               "$/calificacion": str(random.randint(3, 5)), "$/comentario": ""})  # noqa: S311


class Staff(PortalUser):
    """A clerk of the lighting office clearing the group's worklist."""

    weight = 3
    wait_time = between(3, 8)
    account = "STAFF"

    @task
    def resolve_one(self) -> None:
        inbox = self.client.get(f"/bandeja/?bandeja={GROUP}", name="personal: bandeja")
        open_tasks = CLAIM.findall(inbox.text)
        if not open_tasks:
            return
        task_id = random.choice(open_tasks[:10])  # noqa: S311  (the first page, as a person picks)
        self.client.post(f"/bandeja/tareas/{task_id}/tomar", name="personal: tomar", allow_redirects=False,
                         data={"csrf_token": _csrf(inbox.text)})
        with self.client.get(f"/bandeja/tareas/{task_id}", name="personal: abrir tarea",
                             catch_response=True) as page:
            if 'action="/bandeja/tareas/completar"' not in page.text:
                # Another clerk claimed it first: an answer the platform gives on purpose.
                page.success()
                return
        self.client.post("/bandeja/tareas/completar", name="personal: completar", allow_redirects=False,
                         data={"csrf_token": _csrf(page.text), "tarea": task_id, "!o": "1",
                               "$/resultado": "resuelto", "$/respuesta": "Se repuso la luminaria.",
                               "$/duplicado_de": ""})


class Supervisor(PortalUser):
    """A head of office watching the dashboard through the morning."""

    weight = 1
    wait_time = between(5, 15)
    account = "SUPERVISORS"

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/bandeja/tablero/", name="supervisión: tablero")

    @task(1)
    def open_work_csv(self) -> None:
        self.client.get("/bandeja/tablero/pendientes.csv", name="supervisión: CSV pendientes")


class Integration(HttpUser):
    """Another city system (the 147 call centre) filing complaints and reading cases by API."""

    weight = 2
    wait_time = between(1, 4)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {os.environ['LOAD_TOKEN']}"
        self.started: list[str] = []

    @task(1)
    def file_by_api(self) -> None:
        answer = self.client.post(f"/api/v1/processes/{PROCEDURE}/instances", name="API: iniciar",
                                  json={"data": {**COMPLAINT, "canal": "api", "anonimo": True}})
        if answer.status_code == 201:
            self.started = [answer.json()["id"], *self.started[:19]]

    @task(3)
    def read_cases(self) -> None:
        if self.started:
            self.client.get(f"/api/v1/instances/{random.choice(self.started)}",  # noqa: S311
                            name="API: consultar instancia")
        self.client.get(f"/api/v1/instances?process={PROCEDURE}&per_page=20", name="API: listar instancias")


if __name__ == "__main__":
    print("Locust lo ejecuta: use `.venv/bin/python bench/load.py`.")
