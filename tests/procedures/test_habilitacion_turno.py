"""The business licence's inspection slot: offered, picked, booked, and what the case does with the
office's news (attended, absent, moved, cancelled), a slot taken meanwhile, none free, no pick."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.appointments import booking, case_news
from engine.appointments.models import Agenda, Appointment
from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.uow import unit_of_work
from tests.procedures.conftest import Case, Platform
from tests.procedures.inspection_slot import appointment_of, offered, pick_first_slot, seed_inspection_agenda, tell
from tests.procedures.test_habilitacion_comercial import _pay, _started

ZONE = "America/Argentina/Tucuman"


def _waiting_for_a_pick(platform: Platform, desks: int = 2) -> tuple[Case, str]:
    """A restaurant's case, paid: its applicant has the inspection's slots to choose from."""
    case = _started(platform, rubro="gastronomia", superficie=80)
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    agenda_id = seed_inspection_agenda(platform, desks=desks)
    _pay(platform, case)
    assert case.ready() == ["elegir_turno"]
    return case, agenda_id


def _inspection_data(case: Case) -> dict[str, Any]:
    """The data of the inspector's task (what its instructions read)."""
    task = case.task("inspeccionar")
    data: dict[str, Any] = case.platform.api.get(f"/api/v1/tasks/{task['id']}").get_json()["data"]
    return data


def _start_of(option: dict[str, str]) -> datetime:
    return datetime.fromisoformat(option["const"].split("|")[1])


def test_the_booked_slot_is_mailed_and_the_visit_leads_to_the_inspection(platform: Platform) -> None:
    case, _agenda = _waiting_for_a_pick(platform)
    options = offered(case)
    assert len(options) == 12 and all("Dirección de Comercio (24 de Septiembre 250)" in o["title"] for o in options)
    assert sorted(options, key=_start_of) == options

    held = pick_first_slot(case)
    booked = case.data["turno_reservado"]
    assert (held.code, held.holder, held.booked_by, held.email) == (booked["codigo"], case.detail["started_by"],
                                                                     "proceso", "ciudadana@example.com")
    assert case.status == "waiting" and case.ready() == []
    mails = "".join(str(m.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
                    for m in platform.mail.wait_for(3))
    assert booked["codigo"] in mails and booked["texto"] in mails, mails
    assert f"{platform.url}/turnos/gestionar/" in mails and booked["enlace"] in mails  # the appointment's page

    assert tell(case, "turno_atendido", "attended") is True
    assert case.ready() == ["inspeccionar"] and booked["codigo"] in case.data["nota_turno"]
    assert case.data["visita"]["turno"]["codigo"] == held.code


def test_a_slot_taken_meanwhile_is_offered_again_with_the_reason(platform: Platform) -> None:
    case, agenda_id = _waiting_for_a_pick(platform, desks=1)
    first = offered(case)[0]
    with platform.app.app_context(), unit_of_work():  # another applicant books it from the portal first
        booking.book(agenda_id, _start_of(first), holder="otro", booked_by="otro", now=platform.clock(),
                     calendar=city_calendar(ZONE))
    case.complete("elegir_turno", {"turno_elegido": first["const"]})

    assert case.ready() == ["elegir_turno"] and case.incidents() == []
    assert "ya no está disponible" in case.data["motivo_turno"]
    assert first["const"] not in [o["const"] for o in offered(case)]
    pick_first_slot(case)
    assert case.status == "waiting"


def test_after_two_absences_the_inspector_coordinates_the_visit(platform: Platform) -> None:
    case, _agenda = _waiting_for_a_pick(platform)
    pick_first_slot(case)
    assert tell(case, "turno_ausente", "no_show") is True
    assert case.ready() == ["elegir_turno"] and case.data["ausencias_turno"] == 1
    assert case.data["motivo_turno"].startswith("No se presentó al turno del ")

    pick_first_slot(case)
    assert tell(case, "turno_ausente", "no_show") is True
    assert case.ready() == ["inspeccionar"] and "dos turnos" in case.data["nota_turno"]


def test_a_moved_appointment_keeps_the_case_waiting_for_the_new_one(platform: Platform) -> None:
    case, _agenda = _waiting_for_a_pick(platform)
    later = offered(case)[3]
    old = pick_first_slot(case)
    with platform.app.app_context():  # the applicant moves it from «Mis turnos»
        ctx = platform.app.extensions["tramites"].engine_context()
        with unit_of_work(ctx.after_commit):
            appointment = db.session.get(Appointment, old.id)
            assert appointment is not None
            moved = booking.move(appointment, _start_of(later), by=appointment.holder or "", now=platform.clock(),
                                 calendar=city_calendar(ZONE), ctx=ctx)
            new_code = moved.code

    assert case.status == "waiting" and case.ready() == [] and case.incidents() == []
    assert case.data["turno_reservado"]["codigo"] == new_code != old.code
    assert case.data["turno_reservado"]["texto"].endswith("(reprogramado)")
    assert appointment_of(case).code == new_code
    assert tell(case, "turno_atendido", "attended") is True
    assert case.ready() == ["inspeccionar"] and new_code in case.data["nota_turno"]


def test_a_cancelled_appointment_is_offered_again(platform: Platform) -> None:
    case, _agenda = _waiting_for_a_pick(platform)
    held = pick_first_slot(case)
    with platform.app.app_context():
        ctx = platform.app.extensions["tramites"].engine_context()
        with unit_of_work(ctx.after_commit):
            appointment = db.session.get(Appointment, held.id)
            assert appointment is not None
            booking.cancel(appointment, by=appointment.holder or "", reason="No puedo ir", now=platform.clock())
            assert case_news.tell(ctx, appointment, case_news.CANCELLED_MESSAGE, appointment.holder or "")
    assert case.ready() == ["elegir_turno"] and "se canceló" in case.data["motivo_turno"]


def test_without_free_slots_or_without_a_pick_the_inspector_coordinates(platform: Platform) -> None:
    case, agenda_id = _waiting_for_a_pick(platform)
    assert platform.advance(timedelta(days=10, hours=1)) >= 1  # ten days without a pick
    assert case.ready() == ["inspeccionar"] and "no eligió un turno" in _inspection_data(case)["nota_turno"]

    with platform.app.app_context(), unit_of_work():  # the inspection agenda stops attending
        agenda = db.session.get(Agenda, agenda_id)
        assert agenda is not None
        agenda.active = False
    other = _started(platform, rubro="taller", superficie=200, titular="Taller Sur", cuit="20301112223")
    other.complete("revisar_documentacion", {"documentacion_completa": True})
    _pay(platform, other)
    assert other.ready() == ["inspeccionar"] and other.data["turnos_ofrecidos"] == []
    assert "No había turnos libres" in other.data["nota_turno"]
