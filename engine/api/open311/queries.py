"""What the Open311 views read and write: reclamos as service requests, and request parameters as start data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.db import db
from engine.deadlines import clock
from engine.errors import DataInvalid
from engine.intake import reclamos
from engine.models import Instance

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
OPEN = ("running", "waiting", "error", "suspended")
STATUS_NOTES = {"recibido": "Recibido; el área lo está atendiendo.", "ampliado": "El vecino agregó datos.",
                "cerrado_sin_datos": "Cerrado: faltaron los datos pedidos."}
AREAS = {c.group: c.area for c in reclamos.CATEGORIES.values()}


def _problem(name: str, message: str) -> DataInvalid:
    return DataInvalid(message, errors=[{"pointer": name, "message": message}])


def _date(args: Mapping[str, str], name: str) -> datetime | None:
    text = args.get(name)
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise _problem(name, "Debe ser una fecha y hora W3C (2026-03-02T09:00:00-03:00).") from e
    if value.tzinfo is None:
        raise _problem(name, "La fecha debe indicar su zona horaria (por ejemplo -03:00).")
    return value


def search(args: Mapping[str, str], now: datetime) -> list[Instance]:
    """The reclamos the ``GET requests`` parameters select, newest first (at most 1000).

    :raises DataInvalid: for an unreadable date or status.
    """
    # An analyst's test cases are never public requests.
    query = select(Instance).where(Instance.process_key == reclamos.PROCESS_KEY, Instance.is_test.is_(False))
    ids = [i.strip() for i in (args.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        query = query.where(Instance.number.in_(ids))  # the spec: other filters are ignored
    else:
        end = _date(args, "end_date") or now
        start = _date(args, "start_date") or end - timedelta(days=DEFAULT_DAYS)
        query = query.where(Instance.created_at >= start, Instance.created_at <= end)
        status = args.get("status")
        if status not in (None, "", "open", "closed"):
            raise _problem("status", "Debe ser «open» o «closed».")
        if status == "open":
            query = query.where(Instance.status.in_(OPEN))
        elif status == "closed":
            query = query.where(Instance.status.not_in(OPEN))
    found = list(db.session.scalars(query.order_by(Instance.created_at.desc()).limit(MAX_REQUESTS * 2)))
    codes = {c.strip() for c in (args.get("service_code") or "").split(",") if c.strip()}
    if codes and not ids:
        found = [i for i in found if (i.data or {}).get("categoria") in codes]
    return found[:MAX_REQUESTS]


def by_number(number: str) -> Instance | None:
    return db.session.scalar(select(Instance).where(Instance.number == number, Instance.is_test.is_(False),
                                                    Instance.process_key == reclamos.PROCESS_KEY))


def _expected(instance: Instance, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The case's one expected date (as its tracking page and the citizen's page show it), by the
    end of that day in the city."""
    day = clock.expected_date(instance, now, zone.key)
    return None if day is None else datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def describe(instances: Iterable[Instance], timezone: str, now: datetime) -> list[dict[str, Any]]:
    """Reclamos as the spec's service requests (never with the reporter's contact data)."""
    instances = list(instances)
    zone = ZoneInfo(timezone)

    def stamp(value: datetime | None) -> str | None:
        return value.astimezone(zone).isoformat(timespec="seconds") if value else None

    rows = []
    for instance in instances:
        data = instance.data or {}
        category = reclamos.CATEGORIES.get(str(data.get("categoria")))
        point = reclamos.point_of(data)
        is_open = instance.status in OPEN
        rows.append({
            "service_request_id": instance.number,
            "status": "open" if is_open else "closed",
            "status_notes": _notes(data, is_open),
            "service_name": category.name if category else None,
            "service_code": category.code if category else None,
            "description": data.get("descripcion"),
            "agency_responsible": AREAS.get(str(data.get("area"))),
            "service_notice": None,
            "requested_datetime": stamp(instance.created_at),
            "updated_datetime": stamp(instance.updated_at),
            "expected_datetime": stamp(_expected(instance, now, zone)) if is_open else None,
            "address": data.get("direccion") or None,
            "address_id": data.get("punto_qr") or None,
            "zipcode": None,
            "lat": point[0] if point else None,
            "long": point[1] if point else None,
            "media_url": None,
        })
    return rows


def _notes(data: Mapping[str, Any], is_open: bool) -> str | None:
    if data.get("respuesta") and (not is_open or data.get("estado") in ("resuelto", "no_corresponde")):
        return str(data["respuesta"])
    return STATUS_NOTES.get(str(data.get("estado"))) if is_open or data.get("estado") else None


def _number(params: Mapping[str, Any], name: str) -> float:
    try:
        return float(params[name])
    except (KeyError, TypeError, ValueError) as e:
        raise _problem(name, "Falta o no es un número; este municipio necesita lat y long.") from e


def start_data(params: Mapping[str, Any]) -> dict[str, Any]:
    """The reclamo's start data from the ``POST requests`` parameters.

    :raises DataInvalid: without a known ``service_code`` or without ``lat`` and ``long``
        (the city has no geocoder for ``address_string`` alone).
    """
    code = str(params.get("service_code") or "")
    if code not in reclamos.CATEGORIES:
        raise _problem("service_code", f"Falta o no existe el servicio «{code}».")
    lat, lon = _number(params, "lat"), _number(params, "long")
    name = " ".join(str(params.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    contact = {"nombre": name, "email": str(params.get("email") or "").strip(),
               "telefono": str(params.get("phone") or "").strip()}
    data: dict[str, Any] = {"categoria": code, "descripcion": str(params.get("description") or ""),
                            "ubicacion": {"lat": lat, "lon": lon},
                            "contacto": {k: v for k, v in contact.items() if v}}
    if params.get("address_string"):
        data["direccion"] = str(params["address_string"])
    return data
