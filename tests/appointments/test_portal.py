"""Booking from the portal over the test client, on both databases: the steps, the confirmation
with its QR and .ics, «Mis turnos», moving once, cancelling, the limit, guests and their link."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import icalendar
from sqlalchemy import select

from engine.appointments import booking, links
from engine.appointments.models import Appointment
from engine.db import db
from engine.identity.accounts import ensure_user
from engine.models import AuditEvent
from engine.representation.models import PowerOfAttorney
from engine.uow import unit_of_work
from tests.appointments.conftest import Site, link_in
from tests.appointments.seed import CALENDAR, NOW, ZONE, local, wednesday
from tests.fixtures.identity import Web, password_of

MANAGE = re.compile(r"^/turnos/gestionar/[\w-]+$")


def _times(web: Web, path: str) -> list[str]:
    page = web.client.get(path)
    assert page.status_code == 200, page.status_code
    return re.findall(r'name="horario" id="h-\d+" value="([^"]+)"', page.get_data(as_text=True))


def _day_path(site: Site) -> str:
    return f"/turnos/servicio/{site.service_id}/agenda/{site.agenda_id}/{wednesday().isoformat()}"


def _book(site: Site, web: Web, when: str) -> str:
    response = web.post_form(_day_path(site), {"horario": when})
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    path = response.headers["Location"].removeprefix("http://localhost")
    assert MANAGE.match(path), path
    return path


def test_a_citizen_books_step_by_step_and_gets_the_confirmation(site: Callable[..., Site]) -> None:
    s = site()
    web = s.citizen()
    assert "Atención en Rentas" in web.client.get("/turnos/").get_data(as_text=True)
    offices = web.client.get(f"/turnos/servicio/{s.service_id}").get_data(as_text=True)
    assert "Rentas — Centro" in offices and "Primer horario libre" in offices
    month = web.client.get(f"/turnos/servicio/{s.service_id}/agenda/{s.agenda_id}").get_data(as_text=True)
    assert f'href="{_day_path(s)}"' in month and "8 horarios libres" in month
    times = _times(web, _day_path(s))
    assert len(times) == 8 and times[0] == local(wednesday(), 8).isoformat()

    path = _book(s, web, times[2])
    page = web.client.get(path).get_data(as_text=True)
    with s.app.app_context():
        taken = db.session.scalars(select(Appointment)).one()
        assert (taken.holder, taken.booked_by, taken.email) == ("ciudadana", "ciudadana", "ciudadana@example.com")
        assert taken.starts_at == local(wednesday(), 9)
    assert taken.code in page and "09/12/2026 09:00" in page and "<svg" in page and 'role="img"' in page
    assert "Código QR del turno" in page and ".ics" in page
    assert times[2] not in _times(web, _day_path(s))  # the place is gone (one desk)

    ics = web.client.get(path + "/turno.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    event = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == local(wednesday(), 9)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=30)
    assert str(event["SUMMARY"]) == "Turno: Atención en Rentas"
    assert "Rentas — Centro, San Martín 123" == str(event["LOCATION"])
    assert taken.code in str(event["DESCRIPTION"]) and str(event["URL"]).endswith(path)
    assert str(event["STATUS"]) == "CONFIRMED"

    [mail] = s.mail.wait_for(1)
    assert mail.rcpt_tos == ["ciudadana@example.com"] and mail.message["Subject"].startswith("Turno confirmado")
    body = mail.message.get_body(("plain",)).get_content()
    assert taken.code in body and "09/12/2026 09:00" in body and link_in(body, "/turnos/gestionar/") == path

    mine = web.client.get("/turnos/mis-turnos").get_data(as_text=True)
    assert taken.code in mine and f'href="{path}"' in mine


def test_moving_once_then_cancelling(site: Callable[..., Site]) -> None:
    s = site()
    web = s.citizen()
    times = _times(web, _day_path(s))
    first = _book(s, web, times[0])
    move_day = f"{first}/reprogramar/{wednesday().isoformat()}"
    offered = _times(web, move_day)
    assert times[0] not in offered and times[5] in offered
    moved = web.post_form(move_day, {"horario": times[5]}, token_from=move_day)
    assert moved.status_code == 303
    second = moved.headers["Location"].removeprefix("http://localhost")
    assert second != first and MANAGE.match(second)
    old_page = web.client.get(first).get_data(as_text=True)
    assert "Turno cancelado" in old_page and "Reprogramado" in old_page and "Pedir un turno nuevo" in old_page
    assert web.client.get(f"{first}/reprogramar").status_code == 404  # the old one cannot move again
    with s.app.app_context():
        new = db.session.scalars(select(Appointment).where(Appointment.status == "booked")).one()
        assert new.starts_at == local(wednesday(), 10, 30) and new.moved_from is not None
    assert times[0] in _times(web, _day_path(s))  # the old time is free again

    cancelled = web.post_form(f"{second}/cancelar", {"motivo": "Viajo ese día"}, token_from=second)
    assert cancelled.status_code == 303
    page = web.client.get(second).get_data(as_text=True)
    assert "Turno cancelado" in page and "Viajo ese día" in page and "<svg" not in page
    ics = icalendar.Calendar.from_ical(web.client.get(second + "/turno.ics").data).walk("VEVENT")[0]
    assert str(ics["STATUS"]) == "CANCELLED"
    mails = s.mail.wait_for(3)
    assert [m.message["Subject"].split(":")[0] for m in mails] == ["Turno confirmado", "Turno confirmado",
                                                                   "Turno cancelado"]
    with s.app.app_context():
        kinds = [e.type for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                 if e.type.startswith("appointment_")]
        assert kinds == ["appointment_booked", "appointment_booked", "appointment_moved", "appointment_cancelled"]


def test_the_limit_refuses_a_hoarder_and_a_taken_time_is_refused_clearly(site: Callable[..., Site]) -> None:
    s = site(per_person_limit=1)
    web = s.citizen()
    times = _times(web, _day_path(s))
    _book(s, web, times[0])
    refused = web.post_form(_day_path(s), {"horario": times[1]})
    assert refused.status_code == 409
    assert "el máximo por persona" in refused.get_data(as_text=True)
    other = s.citizen("vecino")
    taken = other.post_form(_day_path(s), {"horario": times[0]})
    assert taken.status_code == 409 and "Elija otro horario" in taken.get_data(as_text=True)
    nothing = other.post_form(_day_path(s), {})
    assert nothing.status_code == 422 and "Elija un horario" in nothing.get_data(as_text=True)
    with s.app.app_context():
        assert len(db.session.scalars(select(Appointment)).all()) == 1


def test_without_an_account_booking_asks_to_sign_in_unless_the_service_allows_guests(
        site: Callable[..., Site]) -> None:
    s = site()
    guest = s.guest()
    page = guest.client.get(_day_path(s)).get_data(as_text=True)
    assert "Ingresar para reservar" in page and 'name="email"' not in page
    times = _times(guest, _day_path(s))
    assert guest.post_form(_day_path(s), {"horario": times[0]}).status_code == 401


def test_a_guest_books_by_following_the_link_sent_to_their_address(site: Callable[..., Site]) -> None:
    s = site(allows_guest=True)
    guest = s.guest()
    times = _times(guest, _day_path(s))
    bad = guest.post_form(_day_path(s), {"horario": times[0], "email": "no-es-correo", "documento": "12"})
    assert bad.status_code == 422
    assert "correo electrónico válido" in bad.get_data(as_text=True) and "7 u 8 cifras" in bad.get_data(as_text=True)
    asked = guest.post_form(_day_path(s), {"horario": times[0], "email": "invitada@example.com",
                                           "documento": "20.345.678"})
    assert asked.status_code == 200 and "Revise su correo" in asked.get_data(as_text=True)
    with s.app.app_context():
        assert db.session.scalars(select(Appointment)).all() == []  # nothing booked before the link
    [mail] = s.mail.wait_for(1)
    assert mail.rcpt_tos == ["invitada@example.com"]
    link = link_in(mail.message.get_body(("plain",)).get_content(), "/turnos/invitado/")
    opened = s.guest()
    assert "Confirmar el turno" in opened.client.get(link).get_data(as_text=True)  # opening books nothing
    followed = opened.post_form(link, {})
    assert followed.status_code == 303
    manage = followed.headers["Location"].removeprefix("http://localhost")
    assert MANAGE.match(manage)
    assert s.guest().client.get(link).status_code == 400  # once
    with s.app.app_context():
        taken = db.session.scalars(select(Appointment)).one()
        assert (taken.holder, taken.booked_by, taken.email, taken.document_number) == (
            None, "invitado", "invitada@example.com", "20345678")
    # the manage link works for a guest in another browser, and lets them cancel
    other = s.guest()
    assert taken.code in other.client.get(manage).get_data(as_text=True)
    assert other.post_form(f"{manage}/cancelar", {}, token_from=manage).status_code == 303
    assert "Turno cancelado" in other.client.get(manage).get_data(as_text=True)
    confirmed = s.mail.wait_for(3)
    assert confirmed[1].message["Subject"].startswith("Turno confirmado")


def test_a_guest_link_for_a_slot_taken_meanwhile_is_refused_with_a_way_back(site: Callable[..., Site]) -> None:
    s = site(allows_guest=True)
    guest = s.guest()
    times = _times(guest, _day_path(s))
    guest.post_form(_day_path(s), {"horario": times[0], "email": "invitada@example.com", "documento": "20345678"})
    link = link_in(s.mail.wait_for(1)[0].message.get_body(("plain",)).get_content(), "/turnos/invitado/")
    _book(s, s.citizen(), times[0])
    refused = s.guest().post_form(link, {})
    assert refused.status_code == 409 and "Elija otro horario" in refused.get_data(as_text=True)


def test_unknown_links_and_days_are_404(site: Callable[..., Site]) -> None:
    s = site()
    web = s.guest()
    assert web.client.get("/turnos/gestionar/no-existe").status_code == 404
    assert web.client.get(f"/turnos/servicio/{s.service_id}/agenda/{s.agenda_id}/no-es-fecha").status_code == 404
    assert web.client.get(f"/turnos/servicio/otro/agenda/{s.agenda_id}").status_code == 404
    assert web.client.get("/turnos/invitado/manipulado").status_code == 400


def test_the_city_zone_is_what_people_read(site: Callable[..., Site]) -> None:
    s = site()
    web = s.citizen()
    times = _times(web, _day_path(s))
    page = web.client.get(_day_path(s)).get_data(as_text=True)
    assert ">08:00<" in page and local(wednesday(), 8).astimezone(ZONE).hour == 8 and len(times) == 8


def test_a_representative_books_for_the_party_they_act_for(site: Callable[..., Site]) -> None:
    s = site()
    with s.app.app_context(), unit_of_work():
        ensure_user("empresa", display_name="Distribuidora Norte SRL", password=password_of("empresa"),
                    email="empresa@example.com", cuit="30712345671")
        db.session.add(PowerOfAttorney(representative="ciudadana", party="empresa", procedures="",
                                       valid_from=date(2026, 1, 1)))
    web = s.citizen()
    assert web.post_form("/representacion/", {"representado": "empresa"}).status_code == 302
    times = _times(web, _day_path(s))
    assert "El turno será de Distribuidora Norte SRL" in web.client.get(_day_path(s)).get_data(as_text=True)
    _book(s, web, times[0])
    with s.app.app_context():
        taken = db.session.scalars(select(Appointment)).one()
        assert (taken.holder, taken.booked_by, taken.email) == ("empresa", "ciudadana", "empresa@example.com")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.type == "appointment_booked")).one()
        assert event.actor == "ciudadana" and event.data["holder"] == "empresa"
    assert taken.code in web.client.get("/turnos/mis-turnos").get_data(as_text=True)


def test_a_process_only_service_is_not_offered_but_its_appointment_moves_from_its_link(
        site: Callable[..., Site]) -> None:
    s = site(process_only=True, service_id="inspeccion-comercio")
    web = s.citizen()
    assert "inspeccion-comercio" not in web.client.get("/turnos/").get_data(as_text=True)
    assert web.client.get("/turnos/servicio/inspeccion-comercio").status_code == 404
    assert web.client.get(_day_path(s)).status_code == 404
    with s.app.app_context():
        taken = booking.book(s.agenda_id, local(wednesday(), 9), holder="ciudadana", booked_by="proceso", now=NOW,
                             calendar=CALENDAR)
        db.session.commit()
        path = links.manage_path(taken)
    move_day = f"{path}/reprogramar/{wednesday().isoformat()}"
    assert local(wednesday(), 11).isoformat() in _times(web, move_day)
    moved = web.post_form(move_day, {"horario": local(wednesday(), 11).isoformat()}, token_from=move_day)
    assert moved.status_code == 303
    new_path = moved.headers["Location"].removeprefix("http://localhost")
    assert web.post_form(f"{new_path}/cancelar", {}, token_from=new_path).status_code == 303
    page = web.client.get(new_path).get_data(as_text=True)
    assert "Turno cancelado" in page and "Pedir un turno nuevo" not in page
