"""The public reclamo form (with or without an account) and the landing of the QR codes on the street.

Anyone may report a problem: a signed-in citizen follows it among their cases, anyone else
gets the case's tracking code. A QR code on a lamp post or a container opens the same form
with the place and category already filled in. The point goes on a Leaflet map when
JavaScript runs, and into two plain number fields when it does not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from engine.casefile import expediente, tracking
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity import throttle
from engine.identity.access import public
from engine.intake import reclamos
from engine.uow import unit_of_work
from engine.web import once
from engine.web.request import runtime, transaction
from engine.workflow import deployments, forms_io
from portal import security
from storage.uploads import UploadError, receive

bp = Blueprint("reclamos", __name__, url_prefix="/reclamos")
security.install_errors(bp)

MAX_PHOTOS = 3
#: Reclamos one address, one contact or one account may send per window.
RATE = (10, timedelta(minutes=15))
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
#: Where the forms' tokens keep the answer they got (:mod:`engine.web.once`).
SENT_SCOPE = "reclamo:web"


def _citizen() -> str | None:
    """The signed-in citizen who makes the reclamo; ``None`` makes it one without account."""
    user = security.current_user()
    return user.username if user is not None and "citizen" in user.role_set else None


def _page(values: dict[str, str], errors: dict[str, list[str]], status: int = 200,
          point: reclamos.QrPoint | None = None, fresh: bool = False) -> ResponseReturnValue:
    """The form; shown again after a refusal, it keeps the token it was sent with unless ``fresh``."""
    response = current_app.make_response((render_template(
        "reclamos/form.html", values=values, errors=errors, categories=reclamos.CATEGORIES.values(),
        point=point, signed_in=_citizen() is not None, max_photos=MAX_PHOTOS,
        token=once.page_token(fresh)), status))
    return response


def _answered_before(values: dict[str, str]) -> ResponseReturnValue | None:
    """The answer to this form sent before: its reclamo's confirmation; changed since, the form
    again with a new token (a 409); nothing for a form not sent yet."""
    try:
        earlier = once.answered(SENT_SCOPE)
    except Conflict:
        message = _("Este formulario ya se envió y su reclamo quedó registrado. Si quiere hacer otro "
                    "reclamo, revise los datos y vuelva a enviarlo.")
        return _page(values, {"": [message]}, 409, fresh=True)
    return None if earlier is None else redirect(url_for("reclamos.received", code=earlier["code"]))


@bp.get("/nuevo")
@public
def new() -> ResponseReturnValue:
    """The empty form (``?categoria=`` picks a category)."""
    category = request.args.get("categoria", "")
    return _page({"categoria": category if category in reclamos.CATEGORIES else ""}, {})


@bp.get("/qr/<token>")
@public
def from_qr(token: str) -> ResponseReturnValue:
    """The form a QR code opens: place and category filled in from the signed code."""
    point = reclamos.read_qr_token(token, current_app.config["SECRET_KEY"])
    if point is None:
        return render_template("portal/error.html", status=404,
                               message="El código QR no es válido o fue alterado. Puede hacer el reclamo "
                                       "desde el formulario común."), 404
    values = {"categoria": point.category, "lat": str(point.lat), "lon": str(point.lon),
              "direccion": point.address, "qr": token}
    return _page(values, {}, point=point)


def _values() -> dict[str, str]:
    return {name: request.form.get(name, "").strip()[:2000] for name in reclamos.FORM_FIELDS}


def _photos(files: list[FileStorage]) -> tuple[list[expediente.NewDocument], list[str]]:
    """Store the chosen photos (checked by content, not by name); the refusals in Spanish."""
    rt = runtime()
    stored, refused = [], []
    chosen = [f for f in files if f and f.filename][:MAX_PHOTOS]
    for number, photo in enumerate(chosen, start=1):
        try:
            upload = receive(rt.documents.store, photo.stream,
                             max_bytes=rt.settings["MAX_UPLOAD_MB"] * 1024 * 1024, allowed_types=PHOTO_TYPES,
                             display_name=photo.filename)
        except UploadError as e:
            refused.append(f"{photo.filename}: {e.public_message}")
            continue
        stored.append(expediente.NewDocument(kind="uploaded", title=f"Foto {number} del reclamo",
                                             filename=upload.display_name, content_type=upload.content_type,
                                             size=upload.size, sha256=upload.sha256, storage_key=upload.key))
    return stored, refused


def _within_rate(data: dict[str, Any]) -> bool:
    """Count this reclamo against its address, its contact and its account; whether all are within
    :data:`RATE` (the form stays open to everyone without a captcha, which needs a third party)."""
    limit, window = RATE
    keys = [f"reclamos-ip:{security.client_ip()}"]
    given = data.get("contacto") or {}
    contact = str(given.get("email") or given.get("telefono") or "").strip().casefold()
    if contact:
        keys.append(f"reclamos-contacto:{contact}")
    person = security.current_user()
    if person is not None:
        keys.append(f"reclamos-cuenta:{person.id}")
    now = security.settings().clock()
    with unit_of_work():
        counted = [throttle.take(key, now, limit, window) for key in keys]
    return all(counted)


@bp.post("/nuevo")
@public
def submit() -> ResponseReturnValue:
    """Check the reclamo, store its photos and start the case; errors next to each field."""
    values = _values()
    again = _answered_before(values)
    if again is not None:
        return again
    missing = reclamos.missing_fields(values)
    if missing:
        return _page(values, missing, 422)
    data = reclamos.data_from_fields(values, current_app.config["SECRET_KEY"])
    channel = "qr" if "punto_qr" in data else "web"
    try:
        deployment = deployments.latest(reclamos.PROCESS_KEY)
    except NotFound:
        abort(404)
    try:
        forms_io.validate_start(deployment, {**data, "canal": channel, "anonimo": True})
    except DataInvalid as e:
        return _page(values, reclamos.field_errors(e), 422)
    if not _within_rate(data):
        message = _("Recibimos muchos reclamos desde esta conexión o con este contacto en poco tiempo. "
                    "Espere unos minutos y vuelva a intentar.")
        return _page(values, {"": [message]}, 429)
    photos, refused = _photos(request.files.getlist("fotos"))
    if refused:
        return _page(values, {"fotos": refused}, 422)
    try:
        code = _start_once(data, channel, photos)
    except DataInvalid as e:
        return _page(values, reclamos.field_errors(e), 422)
    except Conflict as e:  # the same form sent at the same time started the reclamo: its answer
        return _answered_before(values) or _page(values, {"": [e.message]}, 409)
    return redirect(url_for("reclamos.received", code=code))


def _start_once(data: dict[str, Any], channel: str, photos: list[expediente.NewDocument]) -> str:
    """Start the reclamo, once per form (:mod:`engine.web.once`); its tracking code.

    :raises Conflict: a submission of the same form started its reclamo meanwhile.
    """
    with transaction() as ctx:
        def produce() -> dict[str, Any]:
            started = reclamos.start(ctx, data, channel=channel, user=_citizen(), photos=photos)
            return {"code": started.tracking_code}

        return str(once.start(SENT_SCOPE, produce)["code"])


@bp.get("/recibido/<code>")
@public
def received(code: str) -> ResponseReturnValue:
    """The confirmation: case number and tracking code (whoever holds the code may follow the case)."""
    instance = tracking.case_by_tracking_code(code)
    if instance is None or instance.process_key != reclamos.PROCESS_KEY:
        abort(404)
    return render_template("reclamos/received.html", instance=instance, code=code,
                           signed_in=instance.started_by != reclamos.ANONYMOUS_ACTOR)
