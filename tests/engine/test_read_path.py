"""What a start, a completion and a case's page read and answer (issue #20).

Statements are counted with SQLAlchemy's ``before_cursor_execute`` on the app's engine, after
one warm-up case has put the process's specs and forms in their caches (as on a live server).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from engine.db import db
from engine.runtime import Runtime
from engine.uow import unit_of_work
from engine.workflow import deployments
from engine.workflow.bundles import bundle_from_path
from tests.fixtures.engine import BUNDLES, ApiClient

#: A start reads one row of its process's version (its key, version, manifest): nothing else.
LATEST_VERSION = "FROM deployments"


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def keep(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def _reads_the_bundle(sql: str) -> bool:
    return "deployment_files" in sql or "deployments.spec" in sql


def _warm(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    first = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    task = first["next_tasks"][0]
    assert api.complete(task["id"], {"completo": True, "observaciones": ""}).status_code == 200


def test_a_start_and_a_completion_read_neither_spec_nor_files_once_cached(api: ApiClient) -> None:
    _warm(api)
    with statements(api.app) as start:
        started = api.start("tramite_simple", {"solicitante": "María"})
    assert started.status_code == 201
    task = started.get_json()["next_tasks"][0]
    with statements(api.app) as complete:
        assert api.complete(task["id"], {"completo": True, "observaciones": ""}).status_code == 200
    assert not [sql for sql in start + complete if _reads_the_bundle(sql)]
    assert [sql for sql in start if LATEST_VERSION in sql] == [
        next(sql for sql in start if sql.startswith("SELECT deployments.id"))]
    assert not [sql for sql in complete if LATEST_VERSION in sql]


def _two_reviews(tmp_path: Path) -> Path:
    """A two-task chain of Mesa de Entradas: a start opens the first staff task, its completion the second."""
    folder = tmp_path / "dos_revisiones"
    folder.mkdir()
    (folder / "manifest.yaml").write_text("key: dos_revisiones\nname: Dos revisiones\ncategory: Pruebas\n"
                                          "description: Dos tareas seguidas.\ncase_prefix: TST\n", encoding="utf-8")
    group = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="candidateGroup" '
             'value="mesa_entradas"/></spiffworkflow:properties></bpmn:extensionElements>')
    flows = (f'<bpmn:startEvent id="inicio"/><bpmn:userTask id="primera">{group}</bpmn:userTask>'
             f'<bpmn:userTask id="segunda">{group}</bpmn:userTask>'
             '<bpmn:endEvent id="fin"/><bpmn:sequenceFlow id="f1" sourceRef="inicio" targetRef="primera"/>'
             '<bpmn:sequenceFlow id="f2" sourceRef="primera" targetRef="segunda"/>'
             '<bpmn:sequenceFlow id="f3" sourceRef="segunda" targetRef="fin"/>')
    (folder / "dos_revisiones.bpmn").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="http://tramites.smt/t">'
        f'<bpmn:process id="dos_revisiones" isExecutable="true">{flows}</bpmn:process></bpmn:definitions>',
        encoding="utf-8")
    return folder


#: Statements of a start, a completion opening the next staff task and one ending the case.
EXPECTED_COUNTS = {"sqlite": (5, 4, 4), "postgresql": (4, 3, 3)}


def test_a_start_and_a_completion_take_the_statements_issue_20_allows(api: ApiClient, tmp_path: Path) -> None:
    """A completion takes at most 4 statements (3 on PostgreSQL), a start one more.

    A completion reads its task with its case and the case's index rows (one SELECT), then
    writes the case row under its version check, which locks the audit chain and returns its
    head and the new events' ids; the events follow in one INSERT, which moves the head in the
    database. The task completed and the one opened go in one upsert: on PostgreSQL inside the
    statement that writes the case row. A start reads its version (one row, no spec, no file)
    and takes a case number, then inserts the case row the same way. Ending the case, SQLite
    updates the one task row on its own (nothing to write it with); PostgreSQL rides it.
    """
    assert api.deploy(_two_reviews(tmp_path)).status_code == 201
    for _ in range(2):  # the first case warms the caches
        with statements(api.app) as start:
            task = api.start("dos_revisiones", {}).get_json()["next_tasks"][0]
        with statements(api.app) as complete:
            following = api.complete(task["id"], {}).get_json()["next_tasks"][0]
        with statements(api.app) as last:
            api.complete(following["id"], {})
    with api.app.app_context():
        dialect = db.engine.dialect.name
    assert (len(start), len(complete), len(last)) == EXPECTED_COUNTS[dialect], (start, complete, last)
    assert not [sql for sql in start + complete + last if sql.startswith("SELECT subscriptions.id")]  # with the task
    assert not [sql for sql in start + complete + last if "audit_chains" in sql]  # moved by the database


def test_a_tasks_token_completes_in_as_many_statements_as_an_administrator(
        api: ApiClient, api_with: Callable[..., ApiClient], tmp_path: Path) -> None:
    """An integration's ``tasks`` token acts on any group's task: it needs no lookup of the task's
    group before the completion reads it."""
    assert api.deploy(_two_reviews(tmp_path)).status_code == 201
    integration = api_with(api.app, "tasks", name="integracion")
    for _ in range(2):  # the first case warms the caches
        task = api.start("dos_revisiones", {}).get_json()["next_tasks"][0]
        with statements(api.app) as complete:
            answer = integration.complete(task["id"], {})
        assert answer.status_code == 200, answer.get_json()
        assert [t["element_id"] for t in answer.get_json()["next_tasks"]] == ["segunda"]
    with api.app.app_context():
        dialect = db.engine.dialect.name
    assert len(complete) == EXPECTED_COUNTS[dialect][1], complete


def _with_large_form(tmp_path: Path, size: int = 2 * 1024 * 1024) -> Path:
    folder = tmp_path / "simple"
    shutil.copytree(BUNDLES / "simple", folder)
    schema_path = folder / "revision.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["description"] = "x" * size
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    return folder


def _deploy(app: Flask, folder: Path) -> None:
    """Deployed in the engine: a 2 MB upload through the test client would spool to a temporary file."""
    rt: Runtime = app.extensions["tramites"]
    with app.app_context(), unit_of_work():
        deployments.deploy(bundle_from_path(folder), "pruebas", rt.operations(), rt.known_groups)


def test_a_case_of_a_version_with_megabytes_of_forms_reads_cheaply(api: ApiClient, tmp_path: Path) -> None:
    _deploy(api.app, _with_large_form(tmp_path))
    api.start("tramite_simple", {"solicitante": "Ana"})  # the first start restores the specs (and caches them)
    with statements(api.app) as start:
        started = api.start("tramite_simple", {"solicitante": "María"}).get_json()
    with statements(api.app) as read:
        response = api.get(f"/api/v1/instances/{started['id']}")
    assert response.status_code == 200 and response.get_json()["tasks"][0]["element_id"] == "revisar"
    assert not [sql for sql in start + read if _reads_the_bundle(sql)]
    assert not [sql for sql in read if LATEST_VERSION in sql]
    assert len(read) == 4  # the case, its subscriptions, its ready tasks, its open incidents
    assert not any("instances.state" in sql for sql in read)  # the serialized workflow stays unread


def test_completing_answers_the_tasks_it_made_ready(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "María"}).get_json()
    [revisar] = started["next_tasks"]
    assert revisar["element_id"] == "revisar" and revisar["number"] == started["number"]
    answer = api.complete(revisar["id"], {"completo": False, "observaciones": "Falta el DNI"}).get_json()
    assert answer["status"] == "completed" and answer["id"] == revisar["id"]
    [corregir] = answer["next_tasks"]
    assert corregir["element_id"] == "corregir" and corregir["for_applicant"] is True
    assert corregir == api.ready_task(started["id"], "corregir")  # what the next request would have found
    last = api.complete(corregir["id"], {"respuesta": "Adjunto el DNI"}).get_json()
    assert [t["element_id"] for t in last["next_tasks"]] == ["revisar"]
    done = api.complete(last["next_tasks"][0]["id"], {"completo": True, "observaciones": ""}).get_json()
    assert done["next_tasks"] == []


def test_next_tasks_lists_only_what_the_caller_may_see(app: Flask, api: ApiClient,
                                                       api_with: Callable[..., ApiClient]) -> None:
    assert api.deploy("simple").status_code == 201
    starter = api_with(app, "start", name="solo-inicia")
    assert starter.start("tramite_simple", {"solicitante": "María"}).get_json()["next_tasks"] == []
    reader = api_with(app, "start", "read", name="inicia-y-lee")
    assert [t["element_id"] for t in reader.start("tramite_simple", {}).get_json()["next_tasks"]] == ["revisar"]
    worker = api_with(app, "start", "tasks", name="mesa-bot")
    started = worker.start("tramite_simple", {}).get_json()
    [revisar] = started["next_tasks"]
    answer = worker.complete(revisar["id"], {"completo": False, "observaciones": "Falta el DNI"}).get_json()
    # the applicant's task goes to whoever started the case: this token may complete it
    assert [t["element_id"] for t in answer["next_tasks"]] == ["corregir"]
    other = api.start("tramite_simple", {}).get_json()
    task = other["next_tasks"][0]
    answer = worker.complete(task["id"], {"completo": False, "observaciones": "x"}).get_json()
    assert answer["next_tasks"] == []  # another caller's applicant task: not this token's to see


def test_lists_leave_the_cases_workflow_and_data_unread(api: ApiClient) -> None:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "María"}).get_json()
    with statements(api.app) as read:
        tasks = api.get("/api/v1/tasks").get_json()["items"]
        cases = api.get("/api/v1/instances").get_json()["items"]
    assert [t["number"] for t in tasks] == [started["number"]] and [c["id"] for c in cases] == [started["id"]]
    assert not [sql for sql in read if "instances.state" in sql or "instances.data" in sql]
    assert len(read) == 4  # a count and a page, twice
