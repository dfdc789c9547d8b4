"""A populated instance for the backup tests, and what people and systems see of it.

Cases in every state (running with a staff task and an uploaded document, completed,
in error with an open incident, terminated, completed with a signed certificate), the
audit trail with a signed checkpoint, an API token. :func:`observe` collects what the API,
the downloads and the public verification answer, so two instances can be compared whole;
:func:`cli_backup` and :func:`cli_restore` run the two commands as an operator would.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from engine.casefile import expediente
from engine.casefile.expediente import NewDocument
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from tests.fixtures.engine import BUNDLES, ApiClient, make_token

JSON = {"Accept": "application/json"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% DNI de la solicitante\n"
FAILING_SCRIPT = "parcial = 1\nwhile True:\n    pass"


@dataclass
class Population:
    token: str
    running: str
    completed: str
    errored: str
    terminated: str
    certified: str
    certificate_code: str
    upload_key: str

    @property
    def cases(self) -> list[str]:
        return [self.running, self.completed, self.errored, self.terminated, self.certified]


def populate(app: Flask, tmp_path: Path) -> Population:
    """Fill ``app``'s instance; every step is checked, so a broken fixture cannot pass for a backup."""
    token = make_token(app, "integracion", "admin")
    api = ApiClient(app, token)
    for bundle in ("simple", "doc_certificado", _failing_bundle(tmp_path)):
        assert api.deploy(bundle).status_code == 201
    running, completed, terminated = (_start(api, "tramite_simple", {"solicitante": name})
                                      for name in ("Ana", "Beatriz", "Carla"))
    revisar = api.ready_task(completed, "revisar")
    assert api.complete(revisar["id"], {"completo": True, "observaciones": "Todo en orden"}).status_code == 200
    assert api.post(f"/api/v1/instances/{terminated}:terminate", json={"reason": "Desistimiento"}).status_code == 200
    errored = _start(api, "inc_script", {})
    certified = _start(api, "certificado_prueba", {"titular": "Dora Pérez"})
    states = {i: api.instance(i)["status"] for i in (running, completed, errored, terminated, certified)}
    assert list(states.values()) == ["running", "completed", "error", "terminated", "completed"], states
    upload_key = _file_upload(app, running)
    assert app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    return Population(token, running, completed, errored, terminated, certified,
                      api.instance(certified)["data"]["certificado"]["codigo"], upload_key)


def _failing_bundle(tmp_path: Path) -> Path:
    """``inc_script`` with a script that fails at once (the stock one loops until its time is up)."""
    target = tmp_path / "inc_script"
    shutil.copytree(BUNDLES / "inc_script", target)
    bpmn = target / "inc_script.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace(FAILING_SCRIPT, "parcial = 1\nx = 1 / 0"),
                    encoding="utf-8")
    return target


def _start(api: ApiClient, key: str, data: dict[str, Any]) -> str:
    started = api.start(key, data)
    assert started.status_code == 201, started.get_json()
    return str(started.get_json()["id"])


def _file_upload(app: Flask, instance_id: str) -> str:
    with app.app_context():
        store = app.extensions[EXTENSION_KEY].documents.store
        key = store.put(io.BytesIO(PDF))
        with unit_of_work():
            expediente.add_document(instance_id, NewDocument(
                kind="uploaded", title="DNI", filename="dni.pdf", content_type="application/pdf", size=len(PDF),
                sha256=key, storage_key=key), "ciudadana")
    return str(key)


def observe(app: Flask, population: Population) -> dict[str, Any]:
    """What the API, the documents and the public verification say of every case."""
    api = ApiClient(app, population.token)
    seen: dict[str, Any] = {}
    for case in population.cases:
        events = api.get(f"/api/v1/instances/{case}/events?per_page=100")
        assert events.status_code == 200, events.get_json()
        seen[case] = {"detail": api.instance(case), "events": events.get_json(), "documents": _documents(app, case)}
    verified = app.test_client().get(f"/verificar/{population.certificate_code}", headers=JSON)
    seen["verification"] = (verified.status_code, verified.get_json())
    return seen


def _documents(app: Flask, instance_id: str) -> list[tuple[Any, ...]]:
    with app.app_context():
        store = app.extensions[EXTENSION_KEY].documents.store
        found = []
        for d in expediente.documents(instance_id):
            with store.get(d.storage_key) as stream:
                digest = hashlib.sha256(stream.read()).hexdigest()
            found.append((d.folio, d.kind, d.title, d.sha256, digest))
        return found


def cli_backup(app: Flask, into: Path, *extra: str) -> Path:
    """``tramites backup --dir into``; :return: the backup's folder (the output's last line)."""
    done = app.test_cli_runner().invoke(args=["backup", "--dir", str(into), *extra])
    assert done.exit_code == 0, done.output
    folder = Path(done.output.strip().splitlines()[-1])
    assert folder.parent == into and (folder / "manifest.json").is_file()
    return folder


def cli_restore(app: Flask, folder: Path, *extra: str) -> Any:
    """``tramites restore folder``; :return: the CLI's result (exit code, output)."""
    return app.test_cli_runner().invoke(args=["restore", str(folder), *extra])


def sequence(number: str) -> int:
    """The running number inside a case number (``EX-2026-000042-SMT-TST`` → 42)."""
    found = re.search(r"-(\d{6})-", number)
    assert found, number
    return int(found.group(1))
