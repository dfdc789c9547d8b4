"""Records management on both databases, with a test clock: a case is closed by an act in its
file, archived with its procedure's retention, listed when that ends, destroyed after approval
(rows, documents and stored objects), and the act in the register remains; the audit trail
still verifies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, Document, Instance
from engine.records.disposal import digest
from engine.records.models import CaseRecord, DisposalAct
from tests.fixtures.timing import T0
from tests.records.helpers import Archive, archive, bundle_with


def _close(arch: Archive, number: str, reason: str = "Trámite concluido") -> object:
    web = arch.web("admin")
    return web.post_form(f"/bandeja/expedientes/{number}/cerrar", {"motivo": reason},
                         token_from=f"/bandeja/expedientes/{number}")


def _record(app: Flask, number: str) -> CaseRecord | None:
    with app.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.number == number))
        found = db.session.get(CaseRecord, instance.id) if instance else None
        if found is not None:
            db.session.expunge(found)
        return found


def test_close_files_an_act_and_archives_with_the_procedures_retention(identity_app: Flask) -> None:
    arch = archive(identity_app)
    number = arch.start()
    assert _close(arch, number).status_code == 303
    record = _record(identity_app, number)
    assert record is not None and record.state == "archivado" and record.closed_by == "admin"
    assert record.retain_until == T0.replace(year=T0.year + 2) and record.disposition == "destruir"
    with identity_app.app_context():
        act = db.session.scalar(select(Document).where(Document.folio == record.act_folio))
        assert act is not None and act.title == "Acta de cierre" and act.author == "admin"
        with identity_app.extensions["tramites"].documents.store.get(act.storage_key) as stream:
            content = stream.read().decode()
        assert "Motivo: Trámite concluido" in content and number in content
    page = arch.web("admin").client.get(f"/bandeja/expedientes/{number}").get_data(as_text=True)
    assert "Expediente cerrado el" in page and "Reabrir expediente" in page
    assert "Expediente cerrado y archivado" in page  # the timeline's sentence
    assert "Agregar comentario" not in page


def test_a_closed_case_accepts_no_comment_and_reopens_by_an_act(identity_app: Flask) -> None:
    arch = archive(identity_app)
    number = arch.start()
    _close(arch, number)
    web = arch.web("admin")
    refused = web.post_form("/bandeja/expedientes/comentar", {"expediente": number, "texto": "hola"},
                            token_from=f"/bandeja/expedientes/{number}")
    assert refused.status_code == 409 and "cerrado" in refused.get_data(as_text=True)
    again = web.post_form(f"/bandeja/expedientes/{number}/cerrar", {"motivo": "otra vez"},
                          token_from=f"/bandeja/expedientes/{number}")
    assert again.status_code == 409
    no_reason = web.post_form(f"/bandeja/expedientes/{number}/reabrir", {"motivo": " "},
                              token_from=f"/bandeja/expedientes/{number}")
    assert no_reason.status_code == 303 and _record(identity_app, number) is not None
    reopened = web.post_form(f"/bandeja/expedientes/{number}/reabrir", {"motivo": "Recurso presentado"},
                             token_from=f"/bandeja/expedientes/{number}")
    assert reopened.status_code == 303 and _record(identity_app, number) is None
    with identity_app.app_context():
        titles = list(db.session.scalars(select(Document.title).order_by(Document.folio)))
        assert titles == ["Acta de cierre", "Acta de reapertura"]
        kinds = set(db.session.scalars(select(AuditEvent.type).where(AuditEvent.type.like("case_%"))))
        assert {"case_closed", "case_reopened"} <= kinds


def test_a_running_case_is_not_closed(identity_app: Flask, tmp_path: Path) -> None:
    arch = archive(identity_app)
    number = arch.start()
    with identity_app.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.number == number))
        instance.status = "waiting"  # as a case that still waits for someone
        db.session.commit()
    refused = _close(arch, number)
    assert refused.status_code == 409 and "finalizado" in refused.get_data(as_text=True)


def test_listed_when_retention_ends_then_destroyed_and_the_act_remains(identity_app: Flask) -> None:
    arch = archive(identity_app)
    number, other = arch.start(), arch.start()
    _close(arch, number)
    store = identity_app.extensions["tramites"].documents.store
    with identity_app.app_context():
        keys = list(db.session.scalars(select(Document.storage_key).join(Instance).where(Instance.number == number)))
    arch.later(days=365)
    assert _record(identity_app, number).state == "archivado"  # type: ignore[union-attr]
    arch.later(days=2 * 365)
    assert _record(identity_app, number).state == "pendiente"  # type: ignore[union-attr]
    page = arch.web("admin").client.get("/bandeja/archivo").get_data(as_text=True)
    assert number in page and "Aprobar destrucción" in page

    web = arch.web("admin")
    approved = web.post_form(f"/bandeja/archivo/{number}/aprobar", {}, token_from="/bandeja/archivo")
    assert approved.status_code == 303
    assert arch.instance_id(number) is None and arch.instance_id(other) is not None
    assert keys and not any(store.exists(k) for k in keys)
    with identity_app.app_context():
        act = db.session.scalar(select(DisposalAct).where(DisposalAct.case_number == number))
        assert act is not None and act.action == "destruido" and act.approved_by == "admin"
        assert act.procedure == "Constancia simple" and act.manifest_sha256 == digest(act.manifest)
        assert act.manifest["rows"]["instances"] == 1 and act.manifest["rows"]["documents"] == 1
        assert [d["folio"] for d in act.manifest["documents"]] == [1]
        # the other case closed itself after 30 days: its act is the only document left
        left = db.session.scalars(select(Instance.number).join(Document, Document.instance_id == Instance.id))
        assert list(left) == [other]
        chain = act.manifest["audit_chain"]["key"]
        events = list(db.session.scalars(select(AuditEvent.type).where(AuditEvent.chain == chain)
                                         .order_by(AuditEvent.seq)))
        assert events[-1] == "case_destroyed" and len(events) == act.manifest["audit_chain"]["seq"]
    register = arch.web("admin").client.get("/bandeja/archivo").get_data(as_text=True)
    assert number in register and act.manifest_sha256 in register
    assert arch.web("admin").client.get(f"/bandeja/expedientes/{number}").status_code == 404
    verified = identity_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_approval_before_the_list_is_refused(identity_app: Flask) -> None:
    arch = archive(identity_app)
    number = arch.start()
    _close(arch, number)
    web = arch.web("admin")
    refused = web.post_form(f"/bandeja/archivo/{number}/aprobar", {}, token_from="/bandeja/archivo")
    assert refused.status_code == 409 and arch.instance_id(number) is not None


def test_finished_cases_close_automatically_after_the_procedures_days(identity_app: Flask) -> None:
    arch = archive(identity_app)
    number = arch.start()
    arch.later(days=29)
    assert _record(identity_app, number) is None
    arch.later(days=2)
    record = _record(identity_app, number)
    assert record is not None and record.closed_by == "sistema" and "30 días" in record.reason


def test_transfer_exports_the_case_file_and_marks_it(identity_app: Flask, tmp_path: Path) -> None:
    arch = archive(identity_app, bundle_with(tmp_path, "archivo:\n  conservacion_anios: 1\n  destino: transferir\n"))
    number = arch.start()
    _close(arch, number)
    arch.later(days=367)
    web = arch.web("admin")
    approved = web.post_form(f"/bandeja/archivo/{number}/aprobar", {}, token_from="/bandeja/archivo")
    assert approved.status_code == 303
    record = _record(identity_app, number)
    assert record is not None and record.state == "transferido"
    folder = Path(identity_app.extensions["tramites"].settings["INSTANCE_PATH"]) / "archivo-historico"
    exported = folder / f"{number}.pdf"
    assert exported.read_bytes().startswith(b"%PDF")
    with identity_app.app_context():
        act = db.session.scalar(select(DisposalAct).where(DisposalAct.case_number == number))
        assert act is not None and act.action == "transferido" and act.location == exported.name


def test_a_bad_archive_policy_is_refused_at_deploy_in_spanish(identity_app: Flask, tmp_path: Path) -> None:
    arch = archive(identity_app)
    bad = bundle_with(tmp_path, "archivo:\n  conservacion_anios: diez\n  destino: quemar\n")
    refused = arch.api.deploy(bad)
    assert refused.status_code == 422
    text = str(refused.get_json())
    assert "conservacion_anios» debe ser un número entero de años" in text and "«destruir» o «transferir»" in text


def test_retention_years_from_29_february() -> None:
    from engine.records.closure import retained_until

    leap = T0.replace(year=2028, month=2, day=29)
    assert retained_until(leap, 1) == leap.replace(year=2029, day=28)
    assert retained_until(T0, 0) == T0 and retained_until(T0, 3) - T0 > timedelta(days=3 * 365)


def test_two_approvals_at_once_destroy_once(identity_app: Flask) -> None:
    from tests.fixtures.timing import in_parallel

    arch = archive(identity_app)
    number = arch.start()
    _close(arch, number)
    arch.later(days=3 * 365)
    webs = [arch.web("admin"), arch.web("archivo")]
    tokens = [web.form_token("/bandeja/archivo") for web in webs]
    answers = in_parallel(2, lambda i: webs[i].client.post(f"/bandeja/archivo/{number}/aprobar",
                                                           data={"csrf_token": tokens[i]}).status_code)
    assert sorted(answers) == [303, 409]
    with identity_app.app_context():
        acts = list(db.session.scalars(select(DisposalAct).where(DisposalAct.case_number == number)))
        assert len(acts) == 1
