"""Keeping the turnero's agendas: offices, the services they attend, agendas and their opening hours.

Staff with the ``scheduler`` role keep them from ``/bandeja/agendas``. Every change is an audit
event of the platform's own chain (who, what, before and after). A change that would leave
booked appointments outside the agenda (fewer desks, other hours, a closure) goes through
:mod:`engine.appointments.closures`, which lists them first: this module only saves what drops
no appointment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any, TypeVar

from sqlalchemy import select

from engine import audit
from engine.appointments.models import Agenda, Office, OpeningHours, Service
from engine.db import db
from engine.errors import Conflict, DataInvalid, NotFound

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–a]\s*(\d{1,2}):(\d{2})\s*$")
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
SYSTEM_ACTOR_PREFIX = "agendas"
LIMITS = {"slot_minutes": (5, 240), "horizon_days": (1, 365), "per_person_limit": (1, 20),
          "grace_minutes": (0, 120), "desks": (1, 50)}

T = TypeVar("T")
#: A weekday's opening ranges, as ``(opens, closes)`` in the city's zone.
Ranges = list[tuple[time, time]]


@dataclass(frozen=True)
class OfficeInput:
    """An office as typed in its form."""

    id: str
    name: str
    address: str
    latitude: str = ""
    longitude: str = ""
    active: bool = True


@dataclass(frozen=True)
class ServiceInput:
    """A service as typed in its form (numbers still as text)."""

    id: str
    name: str
    group: str
    description: str = ""
    slot_minutes: str = "15"
    horizon_days: str = "30"
    per_person_limit: str = "1"
    grace_minutes: str = "10"
    allows_walk_in: bool = False
    allows_guest: bool = False
    process_only: bool = False
    active: bool = True


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _check(problems: list[dict[str, str]]) -> None:
    if problems:
        raise DataInvalid("Revise los datos marcados.", errors=problems)


def _slug_problems(value: str) -> list[dict[str, str]]:
    if not SLUG.match(value) or len(value) > 40:
        return [_problem("id", "El identificador lleva minúsculas, números y guiones (hasta 40), "
                               "por ejemplo «rentas-centro».")]
    return []


def _text_problems(field: str, value: str, label: str, limit: int) -> list[dict[str, str]]:
    if not value.strip():
        return [_problem(field, f"Escriba {label}.")]
    if len(value) > limit:
        return [_problem(field, f"{label.capitalize()} admite hasta {limit} caracteres.")]
    return []


def _coordinate(field: str, text: str, bound: float, problems: list[dict[str, str]]) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = bound + 1
    if not -bound <= value <= bound:
        problems.append(_problem(field, f"Escriba un número entre -{bound:g} y {bound:g} (por ejemplo -26,8305)."))
        return None
    return value


def whole_number(field: str, text: str, problems: list[dict[str, str]]) -> int:
    """A number typed in a form, within :data:`LIMITS` of its field (0 and a problem when it is not)."""
    low, high = LIMITS[field]
    try:
        value = int(str(text).strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems.append(_problem(field, f"Escriba un número entero entre {low} y {high}."))
        return 0
    return value


def _record(type_: str, by: str, data: dict[str, Any]) -> None:
    audit.record(type_, by, data=data)


def _snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


OFFICE_FIELDS = ("name", "address", "latitude", "longitude", "active")
SERVICE_FIELDS = ("name", "description", "group", "slot_minutes", "horizon_days", "per_person_limit",
                  "allows_walk_in", "allows_guest", "process_only", "grace_minutes", "active")


def check_office(form: OfficeInput) -> tuple[float | None, float | None]:
    """Check an office's form without saving it; return its map point.

    :raises DataInvalid: a field missing or malformed (``errors`` name each field).
    """
    problems = (_slug_problems(form.id) + _text_problems("name", form.name, "el nombre", 150)
                + _text_problems("address", form.address, "la dirección", 300))
    latitude = _coordinate("latitude", form.latitude, 90, problems)
    longitude = _coordinate("longitude", form.longitude, 180, problems)
    _check(problems)
    return latitude, longitude


def save_office(form: OfficeInput, *, by: str, creating: bool) -> Office:
    """Create an office or change one (its id never changes); audited with before and after.

    :raises DataInvalid: a field missing or malformed (``errors`` name each field).
    :raises Conflict: creating an office whose id exists.
    :raises NotFound: changing an office that does not exist.
    """
    latitude, longitude = check_office(form)
    office = _existing(Office, form.id, creating, "Ya existe una oficina con ese identificador.")
    before = _snapshot(office, OFFICE_FIELDS) if office is not None else None
    if office is None:
        office = Office(id=form.id)
        db.session.add(office)
    office.name, office.address, office.active = form.name.strip(), form.address.strip(), form.active
    office.latitude, office.longitude = latitude, longitude
    db.session.flush()
    _record("appointment_office_saved", by, {"office": office.id, "before": before,
                                              "after": _snapshot(office, OFFICE_FIELDS)})
    return office


def _existing(model: Any, key: str, creating: bool, taken: str) -> Any:
    found = db.session.get(model, key)
    if creating and found is not None:
        raise Conflict(taken)
    if not creating and found is None:
        raise NotFound("No existe.")
    return found


def check_service(form: ServiceInput, known_groups: set[str] | None = None) -> dict[str, int]:
    """Check a service's form without saving it; return its numbers by field.

    :param known_groups: the directory's groups; when given, ``group`` must be one of them.
    :raises DataInvalid: a field missing or malformed.
    """
    problems = (_slug_problems(form.id) + _text_problems("name", form.name, "el nombre", 150)
                + _text_problems("group", form.group, "el grupo que atiende", 80))
    if form.group.strip() and known_groups is not None and form.group.strip() not in known_groups:
        problems.append(_problem("group", "Ese grupo no existe en el directorio."))
    if len(form.description) > 2000:
        problems.append(_problem("description", "La descripción admite hasta 2000 caracteres."))
    numbers = {name: whole_number(name, getattr(form, name), problems)
               for name in ("slot_minutes", "horizon_days", "per_person_limit", "grace_minutes")}
    _check(problems)
    return numbers


def save_service(form: ServiceInput, *, by: str, creating: bool, known_groups: set[str] | None = None) -> Service:
    """Create a service or change one; audited. A change of an offered service goes through
    :func:`engine.appointments.closures.service_change` first, which lists the appointments it cancels.

    :raises DataInvalid: a field missing or malformed.
    :raises Conflict: creating a service whose id exists.
    """
    numbers = check_service(form, known_groups)
    service = _existing(Service, form.id, creating, "Ya existe un servicio con ese identificador.")
    before = _snapshot(service, SERVICE_FIELDS) if service is not None else None
    if service is None:
        service = Service(id=form.id)
        db.session.add(service)
    service.name, service.description, service.group = form.name.strip(), form.description.strip(), form.group.strip()
    for name, value in numbers.items():
        setattr(service, name, value)
    service.allows_walk_in, service.allows_guest = form.allows_walk_in, form.allows_guest
    service.process_only, service.active = form.process_only, form.active
    db.session.flush()
    _record("appointment_service_saved", by, {"service": service.id, "before": before,
                                               "after": _snapshot(service, SERVICE_FIELDS)})
    return service


def create_agenda(office_id: str, service_id: str, desks_text: str, week: dict[int, Ranges], *, by: str) -> Agenda:
    """Offer a service at an office: a new agenda with its desks and weekly opening hours; audited.

    :raises DataInvalid: unknown office or service, a bad number of desks.
    :raises Conflict: the office offers that service already.
    """
    problems: list[dict[str, str]] = []
    desks = whole_number("desks", desks_text, problems)
    if db.session.get(Office, office_id) is None:
        problems.append(_problem("office", "Elija una oficina."))
    if db.session.get(Service, service_id) is None:
        problems.append(_problem("service", "Elija un servicio."))
    _check(problems)
    taken = db.session.scalar(select(Agenda.id).where(Agenda.office_id == office_id, Agenda.service_id == service_id))
    if taken is not None:
        raise Conflict("Esa oficina ya ofrece ese servicio: cambie su agenda.")
    agenda = Agenda(office_id=office_id, service_id=service_id, desks=desks, active=True)
    db.session.add(agenda)
    db.session.flush()
    write_hours(agenda, week)
    _record("agenda_created", by, {"agenda": agenda.id, "office": office_id, "service": service_id, "desks": desks,
                                   "hours": hours_text(week)})
    return agenda


def write_hours(agenda: Agenda, week: dict[int, Ranges]) -> None:
    """Replace the agenda's opening hours with ``week`` (flushes; the caller audits)."""
    for row in db.session.scalars(select(OpeningHours).where(OpeningHours.agenda_id == agenda.id)):
        db.session.delete(row)
    db.session.flush()
    for weekday, ranges in sorted(week.items()):
        for opens, closes in ranges:
            db.session.add(OpeningHours(agenda_id=agenda.id, weekday=weekday, opens=opens, closes=closes))
    db.session.flush()


def week_of(agenda_id: str) -> dict[int, Ranges]:
    """The agenda's opening hours by weekday (0 = Monday), each day's ranges in order."""
    week: dict[int, Ranges] = {}
    query = select(OpeningHours).where(OpeningHours.agenda_id == agenda_id)
    for row in db.session.scalars(query.order_by(OpeningHours.weekday, OpeningHours.opens)):
        week.setdefault(row.weekday, []).append((row.opens, row.closes))
    return week


def parse_week(texts: dict[int, str]) -> dict[int, Ranges]:
    """Read each weekday's hours as typed: ``08:00-12:00, 16:00-19:30``; empty = closed that day.

    :raises DataInvalid: a range that is not ``hh:mm-hh:mm``, that closes before it opens, or
        that overlaps another of the same day (``errors`` name the weekday as ``dia-<n>``).
    """
    week: dict[int, Ranges] = {}
    problems: list[dict[str, str]] = []
    for weekday in range(7):
        text = (texts.get(weekday) or "").strip()
        if not text:
            continue
        try:
            week[weekday] = _ranges(text)
        except ValueError as e:
            problems.append(_problem(f"dia-{weekday}", f"{WEEKDAYS[weekday].capitalize()}: {e}"))
    _check(problems)
    return week


def _ranges(text: str) -> Ranges:
    ranges: Ranges = []
    for part in text.split(","):
        found = RANGE.match(part)
        if found is None:
            raise ValueError(f"escriba los horarios como 08:00-12:00, separados por comas («{part.strip()[:20]}»).")
        hours = [int(n) for n in found.groups()]
        if hours[0] > 23 or hours[2] > 23 or hours[1] > 59 or hours[3] > 59:
            raise ValueError(f"«{part.strip()}» no es una hora del día.")
        opens, closes = time(hours[0], hours[1]), time(hours[2], hours[3])
        if closes <= opens:
            raise ValueError(f"«{part.strip()}» cierra antes de abrir.")
        ranges.append((opens, closes))
    ranges.sort()
    for (_o1, c1), (o2, _c2) in zip(ranges, ranges[1:], strict=False):
        if o2 < c1:
            raise ValueError("dos horarios del mismo día se superponen.")
    return ranges


def hours_text(week: dict[int, Ranges]) -> dict[str, str]:
    """The week as people write it, by weekday name (the audit trail and the pages)."""
    return {WEEKDAYS[day]: day_text(ranges) for day, ranges in sorted(week.items())}


def week_summary(week: dict[int, Ranges]) -> list[str]:
    """The week for a table cell: consecutive days with the same hours together, «lunes a viernes 08:00-13:00»."""
    runs: list[tuple[int, int, str]] = []
    for day in sorted(week):
        text = day_text(week[day])
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    return [f"{WEEKDAYS[a]} {text}" if a == b else f"{WEEKDAYS[a]} {'y' if b == a + 1 else 'a'} {WEEKDAYS[b]} {text}"
            for a, b, text in runs]


def day_text(ranges: Ranges) -> str:
    return ", ".join(f"{o:%H:%M}-{c:%H:%M}" for o, c in ranges)


def _found(model: type[T], key: str, missing: str) -> T:
    found = db.session.get(model, key)
    if found is None:
        raise NotFound(missing)
    return found


def office(office_id: str) -> Office:
    return _found(Office, office_id, "Esa oficina no existe.")


def service(service_id: str) -> Service:
    return _found(Service, service_id, "Ese servicio no existe.")


def agenda(agenda_id: str) -> Agenda:
    return _found(Agenda, agenda_id, "Esa agenda no existe.")


def offices() -> list[Office]:
    return list(db.session.scalars(select(Office).order_by(Office.name)))


def services() -> list[Service]:
    return list(db.session.scalars(select(Service).order_by(Service.name)))


def agendas_of_office(office_id: str) -> list[Agenda]:
    query = select(Agenda).join(Service, Service.id == Agenda.service_id).where(Agenda.office_id == office_id)
    return list(db.session.scalars(query.order_by(Service.name)))


def agendas() -> list[tuple[Agenda, Office, Service]]:
    """Every agenda with its office and service, by office and service name."""
    query = (select(Agenda, Office, Service).join(Office, Office.id == Agenda.office_id)
             .join(Service, Service.id == Agenda.service_id).order_by(Office.name, Service.name))
    return [(a, o, s) for a, o, s in db.session.execute(query)]
