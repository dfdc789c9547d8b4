"""Reclamos (complaints and service requests): the use cases every channel shares.

The procedure itself is the BPMN bundle ``processes/reclamo``; this module is what the
channels around it need: the categories (Open311 service codes), one way to start a reclamo
from any channel (web, QR, phone, Open311), the possible duplicates staff see, and the
signed payload of the QR codes printed on street furniture and containers.

A reclamo made without an account is started by the fixed actor :data:`ANONYMOUS_ACTOR`, so
no citizen account ever sees it; the person follows it with the case's tracking code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from engine import audit
from engine.casefile import expediente, tracking
from engine.db import db
from engine.errors import DataInvalid
from engine.identity.accounts import User
from engine.models import Instance
from engine.workflow import instances
from engine.workflow.step import EngineContext

PROCESS_KEY = "reclamo"
ANONYMOUS_ACTOR = "anonimo"
CHANNELS = ("web", "qr", "telefono", "open311", "api", "whatsapp")
DUPLICATE_RADIUS_M = 100.0
DUPLICATE_DAYS = 30
EARTH_RADIUS_M = 6_371_000.0
QR_SALT = "reclamo-qr"


@dataclass(frozen=True)
class Category:
    """A kind of reclamo: its code (also the Open311 service code), names and the area that answers."""

    code: str
    name: str
    description: str
    group: str
    area: str
    keywords: str


CATEGORIES: dict[str, Category] = {c.code: c for c in (
    Category("alumbrado", "Alumbrado público", "Luminarias apagadas, encendidas de día, postes dañados.",
             "alumbrado", "Alumbrado Público", "luz, luminaria, poste, farola"),
    Category("baches", "Baches y calles", "Baches, hundimientos y calzadas rotas.",
             "obras_publicas", "Obras Públicas", "bache, pozo, calle, asfalto"),
    Category("residuos", "Residuos", "Basura acumulada, contenedores llenos o rotos, microbasurales.",
             "cuadrilla_recoleccion", "Cuadrilla de Recolección", "basura, contenedor, residuos"),
    Category("arbolado", "Arbolado", "Árboles caídos o con riesgo, poda, ramas sobre cables.",
             "espacios_verdes", "Espacios Verdes", "árbol, rama, poda"),
    Category("otros", "Otros", "Cualquier otro problema en la vía pública.",
             "atencion_vecino", "Atención al Vecino", "otros"),
)}


@dataclass(frozen=True)
class Started:
    """A reclamo just started: the case and the code its author follows it with."""

    instance: Instance
    tracking_code: str


def start(ctx: EngineContext, data: dict[str, Any], *, channel: str, user: str | None = None,
          received_by: str | None = None, photos: Sequence[expediente.NewDocument] = ()) -> Started:
    """Start a reclamo from any channel; flush, never commit.

    :param data: the start form's fields (categoria, descripcion, ubicacion, direccion, contacto…);
        ``canal`` and ``anonimo`` are set here from the channel and the user.
    :param channel: one of :data:`CHANNELS`.
    :param user: the signed-in citizen who makes it, or ``None`` for a reclamo without account.
    :param received_by: who took it in for someone else (staff on the phone, an Open311 token),
        recorded in the case's timeline.
    :param photos: photos already stored (``storage.uploads.receive``), filed in the expediente.
    :raises DataInvalid: when the data does not satisfy the start form.
    """
    if channel not in CHANNELS:
        raise DataInvalid("Canal desconocido.", errors=[{"pointer": "/canal", "message": "Canal desconocido."}])
    fields = {k: v for k, v in data.items() if k not in ("canal", "anonimo")}
    fields.update(canal=channel, anonimo=user is None)
    if user is not None:
        fields["contacto"] = {**_account_contact(user), **(fields.get("contacto") or {})}
    instance = instances.start(ctx, PROCESS_KEY, fields, user or ANONYMOUS_ACTOR)
    if received_by:
        audit.record("reclamo_received", received_by, instance_id=instance.id, data={"canal": channel})
    for photo in photos:
        expediente.add_document(instance.id, photo, received_by or user or ANONYMOUS_ACTOR)
    return Started(instance, tracking.tracking_code(instance))


def _account_contact(username: str) -> dict[str, str]:
    """A signed-in citizen's name and e-mail, so the answer reaches them without retyping it."""
    account = db.session.scalar(select(User).where(User.username == username))
    if account is None:
        return {}
    found = {"nombre": account.display_name[:120], "email": account.email or ""}
    return {k: v for k, v in found.items() if v}


# --- the web forms' fields (portal and staff share them) ------------------------------------

FORM_FIELDS = ("categoria", "descripcion", "lat", "lon", "direccion", "nombre", "email", "telefono", "qr")
#: Start-form pointers → the form field that shows their message.
POINTER_FIELDS = {"/categoria": "categoria", "/descripcion": "descripcion", "/ubicacion": "lat",
                  "/ubicacion/lat": "lat", "/ubicacion/lon": "lon", "/direccion": "direccion",
                  "/contacto/nombre": "nombre", "/contacto/email": "email", "/contacto/telefono": "telefono"}
_NEEDED = {"categoria": "Elija el tipo de problema.", "descripcion": "Describa el problema.",
           "lat": "Marque el lugar en el mapa o escriba la latitud.",
           "lon": "Marque el lugar en el mapa o escriba la longitud."}


def missing_fields(values: Mapping[str, str]) -> dict[str, list[str]]:
    """The fields every reclamo needs, checked first (the start form checks the rest)."""
    return {name: [message] for name, message in _NEEDED.items() if not values.get(name)}


def _number(text: str) -> float | str:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text  # the start form's validation names it


def data_from_fields(values: Mapping[str, str], qr_secret: str) -> dict[str, Any]:
    """The start form's data from a web form's text fields (empty optional fields left out).

    :param qr_secret: the key QR tokens are signed with; a valid ``qr`` field adds ``punto_qr``.
    """
    contact = {k: values[k] for k in ("nombre", "email", "telefono") if values.get(k)}
    data: dict[str, Any] = {"categoria": values.get("categoria", ""), "descripcion": values.get("descripcion", ""),
                            "ubicacion": {"lat": _number(values.get("lat", "")), "lon": _number(values.get("lon", ""))},
                            "contacto": contact}
    if values.get("direccion"):
        data["direccion"] = values["direccion"]
    point = read_qr_token(values["qr"], qr_secret) if values.get("qr") else None
    if point is not None:
        data["punto_qr"] = point.code
    return data


def field_errors(error: DataInvalid) -> dict[str, list[str]]:
    """A start's problems by web form field (``formulario`` for those of no field)."""
    found: dict[str, list[str]] = {}
    for problem in error.errors or [{"pointer": "", "message": error.message}]:
        field = POINTER_FIELDS.get(str(problem.get("pointer", "")), "formulario")
        found.setdefault(field, []).append(str(problem.get("message")))
    return found


# --- possible duplicates --------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """Another reclamo of the same category nearby, recent: maybe the same problem."""

    id: str
    number: str
    status: str
    distance_m: float
    created_at: datetime
    description: str
    address: str


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def point_of(data: dict[str, Any]) -> tuple[float, float] | None:
    """The (lat, lon) of a reclamo's data, or ``None`` when it has no usable point."""
    where = data.get("ubicacion")
    try:
        return float(where["lat"]), float(where["lon"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        return None


def find_duplicates(category: str, point: tuple[float, float], now: datetime, *, exclude: str | None = None,
                    radius_m: float = DUPLICATE_RADIUS_M, days: int = DUPLICATE_DAYS) -> list[Duplicate]:
    """Reclamos of ``category`` within ``radius_m`` of ``point`` started in the last ``days``, nearest first.

    The time window and the process are filtered by the database; category and distance here,
    on the window's few rows (a city receives hundreds of reclamos a month, not millions).
    """
    query = select(Instance).where(Instance.process_key == PROCESS_KEY,
                                   Instance.created_at >= now - timedelta(days=days),
                                   Instance.status != "terminated", Instance.is_test.is_(False))
    found = []
    for other in db.session.scalars(query):
        data = other.data or {}
        where = point_of(data)
        if other.id == exclude or data.get("categoria") != category or where is None:
            continue
        distance = distance_m(point, where)
        if distance <= radius_m:
            found.append(Duplicate(other.id, other.number, other.status, round(distance, 1), other.created_at,
                                   str(data.get("descripcion") or ""), str(data.get("direccion") or "")))
    return sorted(found, key=lambda d: (d.distance_m, d.created_at))


def duplicates_of(instance: Instance, now: datetime) -> list[Duplicate]:
    """The possible duplicates of a reclamo (none when it is not a reclamo or has no point)."""
    data = instance.data or {}
    point = point_of(data)
    if instance.process_key != PROCESS_KEY or point is None or not data.get("categoria"):
        return []
    return find_duplicates(str(data["categoria"]), point, now, exclude=instance.id)


# --- QR codes on street furniture -----------------------------------------------------------


@dataclass(frozen=True)
class QrPoint:
    """A place with a QR sticker: what the code pre-fills in the web form."""

    code: str
    category: str
    lat: float
    lon: float
    address: str = ""

    def as_data(self) -> dict[str, Any]:
        """The start-form fields the point fills."""
        return {"categoria": self.category, "ubicacion": {"lat": self.lat, "lon": self.lon},
                "direccion": self.address, "punto_qr": self.code}


def qr_token(point: QrPoint, secret: str) -> str:
    """The signed, URL-safe text a QR code carries (so a printed code cannot be altered unnoticed)."""
    payload = [point.code, point.category, round(point.lat, 6), round(point.lon, 6), point.address]
    return URLSafeSerializer(secret, salt=QR_SALT).dumps(payload)


def read_qr_token(token: str, secret: str) -> QrPoint | None:
    """The point a QR token names; ``None`` when it was altered or names an unknown category."""
    try:
        code, category, lat, lon, address = URLSafeSerializer(secret, salt=QR_SALT).loads(token)
        point = QrPoint(str(code), str(category), float(lat), float(lon), str(address))
    except (BadSignature, ValueError, TypeError):
        return None
    return point if point.category in CATEGORIES else None
