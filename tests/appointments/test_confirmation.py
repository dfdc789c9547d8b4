"""The confirmation's .ics (RFC 5545, checked by parsing it with icalendar) and its QR code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import icalendar
import qrcode
import qrcode.constants

from engine.appointments import booking, confirmation
from engine.appointments.models import Office, Service
from engine.db import db
from tests.appointments.seed import CALENDAR, NOW, local, seed_agenda, wednesday


def test_the_ics_folds_long_lines_escapes_text_and_keeps_accents(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda()
        service = db.session.get(Service, agenda.service_id)
        office = db.session.get(Office, agenda.office_id)
        service.name = "Inspección técnica; habilitación, revisión de planos y «certificación» del local"
        office.address, office.latitude, office.longitude = "Crisóstomo Álvarez 336\nPlanta baja", -26.8318, -65.2021
        taken = booking.book(agenda.id, local(wednesday(), 10), holder="ana", booked_by="ana", now=NOW,
                             calendar=CALENDAR)
        details = confirmation.confirmation(taken, zone="America/Argentina/Tucuman", public_url="https://t.example/")
        data = confirmation.ics(taken, details, now=NOW)

    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # folded
    assert b"\n" not in data.replace(b"\r\n", b"")
    data.decode("utf-8")  # folding never split a character
    parsed = icalendar.Calendar.from_ical(data)
    assert str(parsed["VERSION"]) == "2.0" and "Tramites SMT" in str(parsed["PRODID"])
    event = parsed.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"Turno: {service.name}"
    assert str(event["LOCATION"]) == f"{office.name}, Crisóstomo Álvarez 336\nPlanta baja"
    assert event.decoded("DTSTART") == local(wednesday(), 10)
    assert event.decoded("DTSTAMP") == NOW.astimezone(UTC)
    assert str(event["UID"]) == f"{taken.id}@turnos.tramites-smt"
    assert str(event["URL"]).startswith("https://t.example/turnos/gestionar/")
    assert event["GEO"].latitude == -26.8318 and event["GEO"].longitude == -65.2021
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert details.starts == "09/12/2026 10:00" and details.ends == "10:30"


def test_the_qr_code_holds_the_appointment_code() -> None:
    code = confirmation.qr_code("F4MAX9JW")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data("F4MAX9JW")
    qr.make(fit=True)
    matrix = qr.get_matrix()
    assert code.size == len(matrix)
    dark = {(x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
    assert code.path.count("M") == len(dark) and f"M{min(dark)[0]},{min(dark)[1]}h1v1h-1z" in code.path


def test_a_cancelled_appointments_ics_says_so(app: Any) -> None:
    with app.app_context():
        agenda = seed_agenda()
        taken = booking.book(agenda.id, local(wednesday(), 10), holder="ana", booked_by="ana", now=NOW,
                             calendar=CALENDAR)
        booking.cancel(taken, by="ana", reason="x", now=NOW)
        details = confirmation.confirmation(taken, zone="America/Argentina/Tucuman", public_url="https://t.example")
        event = icalendar.Calendar.from_ical(confirmation.ics(taken, details, now=datetime.now(UTC))).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and not event.walk("VALARM")
