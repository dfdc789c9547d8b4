"""What confirms an appointment to its holder: the details in the city's words, a QR code of its
public code (what the kiosk's scanner types back), and an iCalendar (.ics) event for their calendar.

The .ics follows RFC 5545: CRLF line ends, lines folded at 75 octets, text values escaped, times
in UTC. Its UID is the appointment's id: a moved appointment is a new appointment with a new
event, and the old one's file, downloaded again, says ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import qrcode
import qrcode.constants

from engine.appointments.links import manage_path
from engine.appointments.models import Agenda, Appointment, Office, Service
from engine.dates import moment_text
from engine.db import db

PRODID = "-//Municipalidad de San Miguel de Tucuman//Tramites SMT turnero//ES"
_FOLD_AT = 75


@dataclass(frozen=True)
class Confirmation:
    """An appointment as its holder reads it (every time in the city's zone)."""

    code: str
    service: str
    office: str
    address: str
    starts: str  # "dd/mm/aaaa hh:mm"
    ends: str
    status: str
    manage_url: str
    latitude: float | None
    longitude: float | None


def confirmation(appointment: Appointment, *, zone: str, public_url: str) -> Confirmation:
    """The confirmation of ``appointment``; ``public_url`` is the site's address (for the manage link)."""
    agenda = db.session.get(Agenda, appointment.agenda_id)
    office = db.session.get(Office, agenda.office_id) if agenda else None
    service = db.session.get(Service, agenda.service_id) if agenda else None
    return Confirmation(
        code=appointment.code, service=service.name if service else "", office=office.name if office else "",
        address=office.address if office else "", starts=moment_text(appointment.starts_at, zone),
        ends=moment_text(appointment.ends_at, zone)[-5:], status=appointment.status,
        manage_url=public_url.rstrip("/") + manage_path(appointment),
        latitude=office.latitude if office else None, longitude=office.longitude if office else None)


@dataclass(frozen=True)
class QrCode:
    """A QR code drawn as one SVG path of unit squares on a ``size`` × ``size`` grid (quiet zone included)."""

    size: int
    path: str


def qr_code(code: str) -> QrCode:
    """The QR code of an appointment's public code (error correction M): the kiosk's scanner types the
    code back. Pages draw it as inline SVG with presentation attributes only, so the CSP allows it."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return QrCode(len(matrix), path)


def ics(appointment: Appointment, details: Confirmation, *, now: datetime) -> bytes:
    """The appointment as an iCalendar file of one event (UTF-8)."""
    description = (f"Código del turno: {details.code}. Presente el código QR o su documento en la terminal "
                   f"de la oficina. Para cancelar o reprogramar: {details.manage_url}")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{appointment.id}@turnos.tramites-smt",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(appointment.ends_at)}",
        f"SUMMARY:{_text(f'Turno: {details.service}')}",
        f"LOCATION:{_text(f'{details.office}, {details.address}')}",
        f"DESCRIPTION:{_text(description)}",
        f"URL:{details.manage_url}",
        f"STATUS:{'CANCELLED' if appointment.status == 'cancelled' else 'CONFIRMED'}",
    ]
    if details.latitude is not None and details.longitude is not None:
        lines.append(f"GEO:{details.latitude:.6f};{details.longitude:.6f}")
    if appointment.status != "cancelled":
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_text(f'Turno: {details.service}')}",
                  "TRIGGER:-PT1H", "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return b"".join(_fold(line) + b"\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon, comma and line breaks escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> bytes:
    """Fold a content line at 75 octets, never inside a UTF-8 character (continuations start with a space)."""
    data = line.encode("utf-8")
    parts: list[bytes] = []
    limit = _FOLD_AT
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # a continuation byte: step back to the character's start
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = _FOLD_AT - 1  # the leading space counts
    parts.append(data)
    return b"\r\n ".join(parts)
