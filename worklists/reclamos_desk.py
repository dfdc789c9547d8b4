"""Reclamos for staff: one received by phone, QR sheets for street furniture, possible duplicates.

- Atención al Vecino types in a reclamo a neighbour phones in; the case is anonymous (the
  caller gets its number and tracking code on the phone) and the timeline names who took it.
- Any staff member prints QR stickers for lamp posts, containers or trees: each code opens
  the public form with the place and the category filled in (signed, so it cannot be altered).
- Staff who may see a reclamo see the others of its category nearby and recent, which may be
  the same problem (``/bandeja/reclamos/<número>/duplicados``, also as an htmx fragment).
"""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.constants
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from engine.casefile import access
from engine.errors import Conflict, DataInvalid
from engine.identity.access import roles_required
from engine.intake import reclamos
from engine.web import once
from worklists import web

bp = Blueprint("reclamos_desk", __name__, url_prefix="/bandeja/reclamos", template_folder="templates")
web.install_errors(bp)
web.add_case_panel(bp, reclamos.PROCESS_KEY, "reclamos_desk.duplicates")
PHONE_GROUP = "atencion_vecino"
STAFF = ("staff", "supervisor")
READERS = ("staff", "supervisor", "auditor")
MAX_POINTS = 60
#: Where the phone form's tokens keep the answer they got (:mod:`engine.web.once`).
PHONE_SCOPE = "reclamo:telefono"


def _phone_page(values: dict[str, str], errors: dict[str, list[str]], status: int = 200,
                fresh: bool = False) -> ResponseReturnValue:
    response = current_app.make_response((render_template(
        "worklists/reclamos_telefono.html", values=values, errors=errors,
        categories=reclamos.CATEGORIES.values(), token=once.page_token(fresh)), status))
    return response


def _loaded(answer: dict[str, str]) -> ResponseReturnValue:
    flash(f"Reclamo {answer['number']} cargado. Código de seguimiento para el vecino: {answer['code']}.", "ok")
    return redirect(url_for("reclamos_desk.phone"))


def _phone_sent_before(values: dict[str, str]) -> ResponseReturnValue | None:
    """This form sent before (a second click, a resent POST): the reclamo it loaded, said again;
    changed since, the form again with a new token (a 409)."""
    try:
        earlier = once.answered(PHONE_SCOPE)
    except Conflict:
        message = _("Este formulario ya se envió y el reclamo quedó cargado. Si es otro reclamo, revise los "
                    "datos y vuelva a enviarlo.")
        return _phone_page(values, {"": [message]}, 409, fresh=True)
    return None if earlier is None else _loaded(earlier)


@bp.get("/telefono")
@roles_required(*STAFF, groups=(PHONE_GROUP,))
def phone() -> ResponseReturnValue:
    """The form for a reclamo received by phone (Atención al Vecino)."""
    return _phone_page({}, {})


@bp.post("/telefono")
@roles_required(*STAFF, groups=(PHONE_GROUP,))
def phone_submit() -> ResponseReturnValue:
    """Start the caller's reclamo; its number and tracking code are shown to read out."""
    values = {name: request.form.get(name, "").strip()[:2000] for name in reclamos.FORM_FIELDS}
    again = _phone_sent_before(values)
    if again is not None:
        return again
    missing = reclamos.missing_fields(values)
    if missing:
        return _phone_page(values, missing, 422)
    data = reclamos.data_from_fields(values, current_app.config["SECRET_KEY"])
    try:
        with web.transaction() as ctx:
            def produce() -> dict[str, str]:
                started = reclamos.start(ctx, data, channel="telefono", received_by=web.user().username)
                return {"number": started.instance.number, "code": started.tracking_code}

            answer = once.start(PHONE_SCOPE, produce)
    except DataInvalid as e:
        return _phone_page(values, reclamos.field_errors(e), 422)
    except Conflict as e:  # the same form sent at the same time loaded the reclamo: its answer
        return _phone_sent_before(values) or _phone_page(values, {"": [e.message]}, 409)
    return _loaded(answer)


# --- QR sheets ------------------------------------------------------------------------------


def qr_svg(text: str) -> Markup:
    """A QR code as inline SVG (one path; presentation attributes only, so the CSP allows it)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    size = len(matrix)
    svg = Markup('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" aria-hidden="true" '
                 'focusable="false" shape-rendering="crispEdges"><rect width="{0}" height="{0}" fill="#fff"/>'
                 '<path d="{1}" fill="#000"/></svg>')
    return svg.format(size, path)


def _points(text: str, category: str) -> tuple[list[reclamos.QrPoint], list[str]]:
    """Read ``código; latitud; longitud; dirección`` lines (commas also separate)."""
    points, problems = [], []
    for number, line in enumerate((t for t in text.splitlines() if t.strip()), start=1):
        parts = [p.strip() for p in line.replace(";", "|").replace(",", "|", 3).split("|")]
        try:
            code, lat, lon = parts[0], float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            problems.append(f"Línea {number}: escriba «código; latitud; longitud; dirección».")
            continue
        if not code or not (-27.0 <= lat <= -26.7 and -65.4 <= lon <= -65.1):
            problems.append(f"Línea {number}: falta el código o el punto está fuera del municipio.")
            continue
        points.append(reclamos.QrPoint(code[:60], category, lat, lon, " ".join(parts[3:])[:300]))
    if not points and not problems:
        problems.append("Escriba al menos un punto.")
    if len(points) > MAX_POINTS:
        problems.append(f"Como máximo {MAX_POINTS} puntos por hoja.")
    return points, problems


@bp.get("/qr")
@roles_required(*STAFF)
def qr_form() -> ResponseReturnValue:
    """The form that lists the places to print QR codes for."""
    return render_template("worklists/reclamos_qr.html", categories=reclamos.CATEGORIES.values(), values={},
                           problems=[])


@bp.post("/qr")
@roles_required(*STAFF)
def qr_sheet() -> ResponseReturnValue:
    """A printable sheet: one QR sticker per place, with its code, category and address."""
    category = request.form.get("categoria", "")
    text = request.form.get("puntos", "")[:20_000]
    points, problems = _points(text, category)
    if category not in reclamos.CATEGORIES:
        problems.insert(0, "Elija la categoría de los puntos.")
    if problems:
        return render_template("worklists/reclamos_qr.html", categories=reclamos.CATEGORIES.values(),
                               values={"categoria": category, "puntos": text}, problems=problems), 422
    public = web.runtime().settings["PUBLIC_URL"].rstrip("/")
    secret = current_app.config["SECRET_KEY"]
    stickers = []
    for point in points:
        url = public + url_for("reclamos.from_qr", token=reclamos.qr_token(point, secret))
        stickers.append({"point": point, "url": url, "svg": qr_svg(url)})
    return render_template("worklists/reclamos_qr_hoja.html", stickers=stickers,
                           category=reclamos.CATEGORIES[category])


# --- possible duplicates --------------------------------------------------------------------


@bp.get("/<number>/duplicados")
@roles_required(*READERS)
def duplicates(number: str) -> ResponseReturnValue:
    """Reclamos of the same category within 100 m in the last 30 days (a fragment for htmx)."""
    instance = access.visible_case_by_number(number, web.user())
    found = reclamos.duplicates_of(instance, web.now())
    context: dict[str, Any] = {"instance": instance, "duplicates": found, "local_time": web.local,
                               "radius": int(reclamos.DUPLICATE_RADIUS_M), "days": reclamos.DUPLICATE_DAYS}
    template = "worklists/reclamos_duplicados_lista.html" if web.is_htmx() else "worklists/reclamos_duplicados.html"
    return render_template(template, **context)
