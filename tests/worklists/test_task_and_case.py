"""The task page (form, upload, completion, conflicts) and the case view (read rules, comments)."""

from __future__ import annotations

import io

from engine.db import db
from engine.models import AuditEvent, Document, Instance
from tests.fixtures.identity import csrf_in
from tests.fixtures.tracing import calls_between_modules
from tests.worklists.helpers import Staffed, text_of
from worklists.queries.models import CaseComment

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _complete(web, task_id: str, data: dict, files: dict | None = None):  # type: ignore[no-untyped-def]
    """Post the task's form as the browser does (field names as ``forms`` renders them)."""
    token = csrf_in(web.client.get(f"/bandeja/tareas/{task_id}").get_data(as_text=True))
    fields = {"!o": "1", "!b/completo": "1", **{f"$/{k}": v for k, v in {**data, **(files or {})}.items()}}
    if fields.get("$/completo") == "false":
        del fields["$/completo"]  # an unchecked box sends nothing
    return web.client.post("/bandeja/tareas/completar", data={**fields, "tarea": task_id, "csrf_token": token},
                           content_type="multipart/form-data")


def test_complete_a_task_with_its_form_and_an_attached_report(staff: Staffed) -> None:
    number = staff.start(1)[0]
    task = staff.task_of(number)
    web = staff.web("mesa")
    page = web.client.get(f"/bandeja/tareas/{task.id}").get_data(as_text=True)
    assert "Revise que la documentación esté completa." in page and 'name="csrf_token"' in page
    assert "<dd>Mesa de Entradas</dd>" in page  # the group by its display name, not «mesa entradas»
    response = _complete(web, task.id, {"completo": "true", "observaciones": "Todo en orden"},
                         {"informe": (io.BytesIO(PNG), "informe.png")})
    assert response.status_code == 303, text_of(response)
    assert "Completó «Revisar solicitud»" in text_of(web.client.get("/bandeja/?bandeja=mias"))
    with staff.app.app_context():
        instance = db.session.query(Instance).filter_by(number=number).one()
        assert instance.status == "completed" and instance.data["observaciones"] == "Todo en orden"
        assert instance.data["informe"]["name"] == "informe.png"
        document = db.session.query(Document).filter_by(instance_id=instance.id).one()
        assert (document.kind, document.author, document.content_type) == ("attached", "mesa", "image/png")
    again = _complete(web, task.id, {"completo": "true"})
    assert again.status_code == 409 and "Otra persona ya completó esta tarea" in text_of(again)


def test_a_completion_passes_through_one_use_case_and_few_modules(staff: Staffed) -> None:
    """The page hands the request to one use case; the two of them call at most 12 modules of ours."""
    task = staff.task_of(staff.start(1)[0])
    web = staff.web("mesa")
    token = csrf_in(web.client.get(f"/bandeja/tareas/{task.id}").get_data(as_text=True))
    form = {"!o": "1", "!b/completo": "1", "$/completo": "true", "$/informe": (io.BytesIO(PNG), "i.png")}
    with calls_between_modules() as calls:
        response = web.client.post("/bandeja/tareas/completar", data={**form, "tarea": task.id, "csrf_token": token},
                                   content_type="multipart/form-data")
    assert response.status_code == 303, text_of(response)
    page, use_case = "worklists/task_page.py", "engine/workflow/completion.py"
    assert (page, use_case) in calls.edges and (page, "engine/workflow/step.py") not in calls.edges
    passed = calls.reached_from(page, use_case)
    assert len(passed) <= 12, sorted(passed)


def test_bad_data_is_shown_next_to_the_field_and_kept(staff: Staffed) -> None:
    task = staff.task_of(staff.start(1)[0])
    web = staff.web("mesa")
    response = _complete(web, task.id, {"observaciones": "x" * 600})
    assert response.status_code == 422
    page = text_of(response)
    assert "Hay datos que corregir" in page and "x" * 600 in response.get_data(as_text=True)


def test_a_refused_upload_is_a_spanish_message(staff: Staffed) -> None:
    task = staff.task_of(staff.start(1)[0])
    response = _complete(staff.web("mesa"), task.id, {"completo": "true"},
                         {"informe": (io.BytesIO(b"MZ\x90\x00 ejecutable"), "informe.pdf")})
    assert response.status_code == 415 and "no está permitido" in text_of(response)
    with staff.app.app_context():
        refused = db.session.query(AuditEvent).filter_by(type="upload_refused").one()
        assert refused.data["reason"] == "type_not_allowed" and refused.actor == "mesa"
        assert db.session.query(Document).count() == 0


def test_a_body_over_the_limit_is_a_spanish_413(staff: Staffed) -> None:
    staff.app.config["MAX_CONTENT_LENGTH"] = 1024
    task = staff.task_of(staff.start(1)[0])
    response = _complete(staff.web("mesa"), task.id, {"completo": "true"},
                         {"informe": (io.BytesIO(PNG * 100), "grande.png")})
    assert response.status_code == 413 and "supera el tamaño máximo" in text_of(response)


def test_a_task_assigned_to_someone_else_cannot_be_completed(staff: Staffed) -> None:
    number = staff.start(1)[0]
    task = staff.task_of(number)
    colega = staff.web("colega")
    token = csrf_in(colega.client.get("/bandeja/").get_data(as_text=True))
    colega.client.post(f"/bandeja/tareas/{task.id}/tomar", data={"csrf_token": token})
    response = _complete(staff.web("mesa"), task.id, {"completo": "true"})
    assert response.status_code == 409 and "La tarea está asignada a colega." in text_of(response)


def test_the_case_view_shows_data_diagram_timeline_and_comments(staff: Staffed) -> None:
    number = staff.start(1, {"solicitante": "Ana Pérez"})[0]
    web = staff.web("mesa")
    response = web.client.get(f"/bandeja/expedientes/{number}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "Ana Pérez" in page and "Inicio del expediente" in page and "Revisar solicitud" in page
    assert "Mesa de Entradas" in page and "mesa entradas" not in page
    assert 'data-current="[&#34;revisar&#34;]"' in html and "inicio" in html.split('data-done="')[1][:60]
    assert "bpmn-navigated-viewer" in html and "&lt;bpmn:definitions" in html
    token = csrf_in(html)
    empty = web.client.post("/bandeja/expedientes/comentar", data={"expediente": number, "texto": "  ",
                                                                   "csrf_token": token})
    assert empty.status_code == 400 and "Escriba el comentario." in text_of(empty)
    added = web.client.post("/bandeja/expedientes/comentar", data={"expediente": number, "texto": "Llamar a Ana",
                                                                   "csrf_token": token})
    assert added.status_code == 303
    page = text_of(web.client.get(f"/bandeja/expedientes/{number}"))
    assert "Llamar a Ana" in page and "Comentario interno" in page
    with staff.app.app_context():
        assert db.session.query(CaseComment).count() == 1


def test_auditors_read_everything_and_change_nothing(staff: Staffed) -> None:
    number = staff.start(1)[0]
    auditor = staff.web("auditor")
    response = auditor.client.get(f"/bandeja/expedientes/{number}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "solo lectura" in html
    assert "/tomar" not in html and "/liberar" not in html and "/bandeja/expedientes/comentar" not in html
    token = csrf_in(auditor.client.get("/cuenta").get_data(as_text=True))
    refused = auditor.client.post("/bandeja/expedientes/comentar", data={"expediente": number, "texto": "x",
                                                                         "csrf_token": token})
    assert refused.status_code == 403


def test_others_are_told_the_case_does_not_exist(staff: Staffed) -> None:
    number = staff.start(1)[0]
    assert staff.web("otro").client.get(f"/bandeja/expedientes/{number}").status_code == 404
    assert staff.web("ciudadana").client.get(f"/bandeja/expedientes/{number}").status_code == 403
    assert staff.web("mesa").client.get("/bandeja/expedientes/EX-NO-EXISTE").status_code == 404


def test_documents_download_with_their_name(staff: Staffed) -> None:
    number = staff.start(1)[0]
    task = staff.task_of(number)
    web = staff.web("mesa")
    _complete(web, task.id, {"completo": "false"}, {"informe": (io.BytesIO(PNG), "Informe técnico.png")})
    with staff.app.app_context():
        document = db.session.query(Document).one()
        document_id = document.id
    response = web.client.get(f"/bandeja/expedientes/{number}/documentos/{document_id}")
    assert response.status_code == 200 and response.data == PNG
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''Informe%20t%C3%A9cnico.png" in disposition
    assert staff.web("otro").client.get(f"/bandeja/expedientes/{number}/documentos/{document_id}").status_code == 404
    whole = web.client.get(f"/bandeja/expedientes/{number}/expediente.pdf")
    assert whole.status_code == 200 and whole.data.startswith(b"%PDF")


def test_the_citizen_never_sees_internal_comments(staff: Staffed) -> None:
    from engine.uow import unit_of_work
    from engine.workflow import instances

    with staff.app.app_context():
        ctx = staff.app.extensions["tramites"].engine_context()
        with unit_of_work(ctx.after_commit):
            number = instances.start(ctx, "revision_mesa", {"solicitante": "Ciudadana"}, "ciudadana").number
    web = staff.web("mesa")
    token = csrf_in(web.client.get(f"/bandeja/expedientes/{number}").get_data(as_text=True))
    web.client.post("/bandeja/expedientes/comentar", data={"expediente": number, "texto": "Nota reservada 7731",
                                                           "csrf_token": token})
    assert "Nota reservada 7731" in web.client.get(f"/bandeja/expedientes/{number}").get_data(as_text=True)
    citizen = staff.web("ciudadana")
    seen = citizen.client.get(f"/mis-tramites/{number}")
    assert seen.status_code == 200 and number in seen.get_data(as_text=True)
    assert "Nota reservada 7731" not in seen.get_data(as_text=True)
    assert "Comentario interno" not in seen.get_data(as_text=True)


def test_the_timeline_words_the_citizens_slip_and_rating() -> None:
    from engine.models import AuditEvent
    from worklists.queries.case_view import _sentence

    slip = AuditEvent(type="payment_slip_issued", actor="sistema", data={"numero": "L-2026-0001", "importe": "100"})
    rating = AuditEvent(type="case_rated", actor="anonimo", data={"score": 4, "comment": True})
    assert _sentence(slip, {}) == "Boleta de pago emitida: L-2026-0001"
    assert _sentence(rating, {}) == "La respuesta fue calificada: 4 de 5"
