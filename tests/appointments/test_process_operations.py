"""``turnos/ofrecer``, ``turnos/reservar``, ``turnos/cancelar`` driven by a deployed process through the
REST API, on both databases: the applicant picks an offered slot in a task of the case, the process
books it, a slot taken meanwhile is offered again, and the case hears what happened at the office."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.appointments import booking, case_news, operations
from engine.appointments.models import Appointment
from engine.db import db
from engine.models import AuditEvent, Instance
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from tests.appointments.seed import CALENDAR, seed_agenda
from tests.fixtures.engine import ApiClient

KEY = "turno_proceso"
#: Wednesday 9 December 2026, 09:10 in the city: a business day whatever the holiday table holds.
WEDNESDAY = datetime(2026, 12, 9, 12, 10, tzinfo=UTC)
SERVICE = "rentas-atencion"


def _started(app: Flask, api: ApiClient, service: str = SERVICE) -> str:
    app.extensions[EXTENSION_KEY].clock = lambda: WEDNESDAY
    assert api.deploy(KEY).status_code == 201
    started = api.start(KEY, {"servicio": service})
    assert started.status_code == 201, started.get_json()
    instance_id: str = started.get_json()["id"]
    return instance_id


def _offered(api: ApiClient, instance_id: str) -> tuple[str, list[dict[str, Any]]]:
    task = api.ready_task(instance_id, "elegir")
    detail = api.get(f"/api/v1/tasks/{task['id']}").get_json()
    return task["id"], detail["form"]["properties"]["turno_elegido"]["anyOf"]


def _appointments(app: Flask, instance_id: str) -> list[Appointment]:
    with app.app_context():
        found = list(db.session.scalars(select(Appointment).where(Appointment.instance_id == instance_id)
                                        .order_by(Appointment.booked_at)))
        db.session.expunge_all()
        return found


def _tell(app: Flask, appointment_id: str, message: str, status: str) -> bool:
    """What the office's desk does: the appointment's new state, then the news into its case."""
    with app.app_context(), unit_of_work():
        appointment = db.session.get(Appointment, appointment_id)
        assert appointment is not None
        appointment.status = status
        return case_news.tell(_ctx(app), appointment, message, "inspector")


def _events(app: Flask, instance_id: str, type_: str) -> list[dict[str, Any]]:
    with app.app_context():
        return [e.data for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.type == type_))]


def test_the_applicant_picks_an_offered_slot_and_the_process_books_it_for_the_case(app: Flask, api: ApiClient) -> None:
    with app.app_context():
        seed_agenda(desks=1)
    instance_id = _started(app, api)
    task_id, options = _offered(api, instance_id)
    assert len(options) == 3  # «cantidad»
    # the soonest first, in the city's time: 09:00 has begun, so the next slot
    assert [o["title"] for o in options] == [f"miércoles 09/12/2026, {t} h — Rentas — Centro (San Martín 123)"
                                             for t in ("09:30", "10:00", "10:30")]

    refused = api.complete(task_id, {"turno_elegido": "otra-agenda|2026-12-09T12:00:00+00:00"})
    assert refused.status_code == 422 and [e["pointer"] for e in refused.get_json()["errors"]] == ["/turno_elegido"]

    chosen = options[1]["const"]
    assert api.complete(task_id, {"turno_elegido": chosen}).status_code == 200
    case = api.instance(instance_id)
    assert case["status"] == "waiting" and case["incidents"] == []
    result = case["data"]["turno"]
    assert result["reservado"] is True and result["oficina"] == "Rentas — Centro"
    assert result["texto"] == options[1]["title"] and "/turnos/gestionar/" in result["enlace"]
    [held] = _appointments(app, instance_id)
    assert (held.code, held.status, held.booked_by, held.email, held.document_number) == (
        result["codigo"], "booked", "proceso", "vecina@example.com", "30111222")
    assert held.starts_at == datetime.fromisoformat(chosen.split("|")[1])
    assert [e["code"] for e in _events(app, instance_id, booking.BOOKED)] == [held.code]

    assert _tell(app, held.id, "turno_atendido", "attended") is True
    final = api.instance(instance_id)
    assert final["status"] == "completed" and final["data"]["visita"]["turno"]["codigo"] == held.code


def test_a_slot_taken_meanwhile_is_offered_again_with_the_reason_and_no_incident(app: Flask, api: ApiClient) -> None:
    with app.app_context():
        agenda_id = seed_agenda(desks=1).id
    instance_id = _started(app, api)
    task_id, options = _offered(api, instance_id)
    taken = options[0]["const"]
    with app.app_context(), unit_of_work():  # someone else books it from the portal first
        booking.book(agenda_id, datetime.fromisoformat(taken.split("|")[1]), holder="otra", booked_by="otra",
                     now=WEDNESDAY, calendar=CALENDAR)

    assert api.complete(task_id, {"turno_elegido": taken}).status_code == 200
    case = api.instance(instance_id)
    assert case["data"]["turno"]["reservado"] is False and "disponible" in case["data"]["turno"]["motivo"]
    _task, again = _offered(api, instance_id)
    assert taken not in [o["const"] for o in again] and len(again) == 3
    assert _appointments(app, instance_id) == []
    [refusal] = _events(app, instance_id, "appointment_not_booked")
    assert refusal["reason"] == case["data"]["turno"]["motivo"]


def test_an_absence_lets_the_process_cancel_its_own_appointment(app: Flask, api: ApiClient) -> None:
    with app.app_context():
        seed_agenda(desks=2)
    instance_id = _started(app, api)
    task_id, options = _offered(api, instance_id)
    assert api.complete(task_id, {"turno_elegido": options[0]["const"]}).status_code == 200
    [held] = _appointments(app, instance_id)
    assert _tell(app, held.id, "turno_ausente", "booked") is True  # its status is the process's to change
    final = api.instance(instance_id)
    assert final["status"] == "completed" and final["data"]["cancelacion"] == {"cancelado": True,
                                                                               "estado": "cancelled"}
    [cancelled] = _appointments(app, instance_id)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "No se presentó")


def test_without_a_free_slot_nothing_is_offered_and_the_process_takes_its_other_way(app: Flask,
                                                                                   api: ApiClient) -> None:
    with app.app_context():
        agenda = seed_agenda()
        agenda.active = False  # the only agenda of the service stops attending
        db.session.commit()
    instance_id = _started(app, api)
    case = api.instance(instance_id)
    assert case["status"] == "completed" and case["data"]["turnos_ofrecidos"] == [] and case["incidents"] == []


def test_an_unknown_service_is_a_permanent_incident_in_spanish(app: Flask, api: ApiClient) -> None:
    instance_id = _started(app, api, service="no-existe")
    case = api.instance(instance_id)
    [incident] = case["incidents"]
    assert "servicio" in incident["message"] and "no-existe" in incident["message"]


def _ctx(app: Flask) -> Any:
    return app.extensions[EXTENSION_KEY].engine_context()


def test_booking_twice_keeps_one_appointment_and_cancel_only_touches_the_own_case(app: Flask, api: ApiClient) -> None:
    with app.app_context():
        agenda_id = seed_agenda(desks=3, per_person_limit=3).id
    instance_id = _started(app, api)
    _task_id, options = _offered(api, instance_id)
    facts = {"instance_id": instance_id, "element_id": "reservar"}
    with app.app_context(), unit_of_work():
        first = operations.book(_ctx(app), {"turno": options[0]["const"]}, facts)
        again = operations.book(_ctx(app), {"turno": options[0]["const"]}, facts)
        assert first == again and first["reservado"] is True
        other = booking.book(agenda_id, datetime.fromisoformat(options[1]["const"].split("|")[1]), holder="otra",
                             booked_by="otra", now=WEDNESDAY, calendar=CALENDAR)
        other_code = other.code
    assert len(_appointments(app, instance_id)) == 1
    with app.app_context(), unit_of_work():
        for params in ({"turno": other_code, "motivo": "x"}, {"turno": first["codigo"], "motivo": " "},
                       {"turno": 7, "motivo": "x"}):
            with pytest.raises(operations.AppointmentCallRefused) as refused:
                operations.cancel(_ctx(app), params, facts)
            assert refused.value.status == 422 and refused.value.temporary is False
        assert operations.cancel(_ctx(app), {"turno": first, "motivo": "Lo pidió"}, facts) == {
            "cancelado": True, "estado": "cancelled"}
        assert operations.cancel(_ctx(app), {"turno": first["codigo"], "motivo": "Otra vez"}, facts) == {
            "cancelado": False, "estado": "cancelled"}


def test_bad_parameters_are_refused_with_what_to_write(app: Flask, api: ApiClient) -> None:
    with app.app_context():
        seed_agenda()
    instance_id = _started(app, api)
    facts = {"instance_id": instance_id}
    with app.app_context():
        [one] = operations.offer(_ctx(app), {"servicio": SERVICE, "oficina": "rentas-centro", "cantidad": 1}, facts)
        assert one["oficina"] == "Rentas — Centro" and one["direccion"] == "San Martín 123"
    bad: list[tuple[Any, dict[str, Any], str]] = [
        (operations.offer, {"servicio": SERVICE, "cantidad": 0}, "cantidad"),
        (operations.offer, {"servicio": SERVICE, "cantidad": True}, "cantidad"),
        (operations.offer, {"servicio": SERVICE, "oficina": "no-existe"}, "oficina"),
        (operations.offer, {}, "servicio"),
        (operations.book, {"turno": "sin separador"}, "turno"),
        (operations.book, {"turno": "agenda|no es una fecha"}, "turno"),
        (operations.book, {"turno": "agenda|2026-12-09T12:00:00"}, "zona"),  # naive
        (operations.book, {"turno": "no-existe|2026-12-09T12:00:00+00:00"}, "agenda"),
    ]
    with app.app_context():
        for operation, params, word in bad:
            with pytest.raises(operations.AppointmentCallRefused) as refused:
                operation(_ctx(app), params, facts)
            assert word in refused.value.message, (params, refused.value.message)


def test_a_test_case_rehearses_the_booking_without_holding_a_place(app: Flask, api: ApiClient) -> None:
    with app.app_context():
        seed_agenda(desks=1)
    instance_id = _started(app, api)
    _task_id, options = _offered(api, instance_id)
    with app.app_context(), unit_of_work():
        result = operations.book(_ctx(app), {"turno": options[0]["const"]},
                                 {"instance_id": instance_id, "test_case": True})
        assert result["reservado"] is True and result["prueba"] is True and result["codigo"] == "PRUEBA"
        assert db.session.get(Instance, instance_id) is not None
    assert _appointments(app, instance_id) == []
    assert len(_events(app, instance_id, "appointment_rehearsed")) == 1


_WAITING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_espera">
  <bpmn:message id="msg_atendido" name="turno_atendido"/>
  <bpmn:process id="turno_espera_directa" name="Espera directa" isExecutable="true">
    <bpmn:startEvent id="inicio"/>
    <bpmn:sequenceFlow id="f1" sourceRef="inicio" targetRef="llamar"/>
    <bpmn:serviceTask id="llamar" name="Llamar">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="OPERATION" resultVariable="turno">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="turno" type="str" value="'x'"/>
            <spiffworkflow:parameter id="servicio" type="str" value="'x'"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="llamar" targetRef="atendido"/>
    <bpmn:intermediateCatchEvent id="atendido">
      <bpmn:messageEventDefinition id="med_atendido" messageRef="msg_atendido"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="atendido" targetRef="fin"/>
    <bpmn:endEvent id="fin"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_turnero_news_need_no_correlation_only_where_the_process_books(api: ApiClient, tmp_path: Any) -> None:
    warnings = {}
    for operation in ("turnos/reservar", "turnos/ofrecer"):
        folder = tmp_path / operation.replace("/", "_")
        folder.mkdir()
        (folder / "manifest.yaml").write_text("key: turno_espera_directa\nname: Espera directa (prueba)\n"
                                              "category: Pruebas\ncase_prefix: TED\n", encoding="utf-8")
        (folder / "turno_espera_directa.bpmn").write_text(_WAITING.replace("OPERATION", operation), encoding="utf-8")
        deployed = api.deploy(folder)
        assert deployed.status_code == 201, deployed.get_json()
        warnings[operation] = [w["element"] for w in deployed.get_json().get("warnings", [])]
    # a case that booked hears of its appointment from the turnero itself; one that did not would
    # take any «turno_atendido» of any case
    assert warnings == {"turnos/reservar": [], "turnos/ofrecer": ["atendido"]}
