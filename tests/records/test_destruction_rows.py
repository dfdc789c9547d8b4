"""Destroying a case that had people working on it: its tasks, comments and everything else that
points at it go; a certificate it issued keeps its row (a printed copy still verifies by its
hash) and so its stored PDF; the audit trail still verifies."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select

from engine.db import db
from engine.models import Certificate, Instance, Task
from engine.uow import unit_of_work
from tests.records.helpers import archive
from tests.worklists.helpers import BUNDLE as REVISION
from tests.worklists.helpers import KEY as REVISION_KEY
from worklists.queries.models import CaseComment


def test_destruction_removes_what_points_at_the_case_and_keeps_certificates(identity_app: Flask) -> None:
    arch = archive(identity_app)
    assert arch.api.deploy(REVISION).status_code == 201
    started = arch.api.start(REVISION_KEY, {"solicitante": "Ana"})
    number, instance_id = started.get_json()["number"], started.get_json()["id"]
    web = arch.web("admin")
    commented = web.post_form("/bandeja/expedientes/comentar", {"expediente": number, "texto": "Revisado"},
                              token_from=f"/bandeja/expedientes/{number}")
    assert commented.status_code == 303
    store = identity_app.extensions["tramites"].documents.store
    certificate_key = store.put(io.BytesIO(b"%PDF-1.7 certificado de prueba"))
    with identity_app.app_context(), unit_of_work():
        db.session.add(Certificate(code="AAAA-BBBB-CCCC-DDDD", instance_id=instance_id, title="Constancia",
                                   case_number=number, sha256=certificate_key, storage_key=certificate_key, size=30,
                                   issued_at=datetime(2026, 3, 2, tzinfo=UTC), issued_by="sistema"))
    terminated = arch.api.post(f"/api/v1/instances/{instance_id}:terminate", json={"reason": "Desistido"})
    assert terminated.status_code == 200, terminated.get_json()
    assert web.post_form(f"/bandeja/expedientes/{number}/cerrar", {"motivo": "Desistimiento"},
                         token_from=f"/bandeja/expedientes/{number}").status_code == 303
    arch.later(days=10 * 366)  # the default retention: ten years
    approved = web.post_form(f"/bandeja/archivo/{number}/aprobar", {}, token_from="/bandeja/archivo")
    assert approved.status_code == 303
    with identity_app.app_context():
        assert db.session.get(Instance, instance_id) is None
        assert db.session.scalar(select(func.count()).select_from(Task).where(Task.instance_id == instance_id)) == 0
        assert db.session.scalar(select(func.count()).select_from(CaseComment)
                                 .where(CaseComment.instance_id == instance_id)) == 0
        kept = db.session.get(Certificate, "AAAA-BBBB-CCCC-DDDD")
        assert kept is not None and kept.instance_id is None and kept.case_number == number
    assert store.exists(certificate_key)
    verified = identity_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
