"""The public tracking page: a case's progress by its tracking code, without signing in.

It shows what the case is and where it stands (procedure, number, state, current step,
expected date, dates of the main steps), the answer meant for the person (the manifest's
``resumen.seguimiento``), the documents issued for them, and, once the case is closed, the
form to rate the answer; nothing about the person who started it. Whoever holds the code may
download those documents and rate once; the code is the only key (no case number is taken).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.casefile import expediente, ratings, tracking
from engine.casefile import summary as summary_lines
from engine.citizens import cases
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity import throttle
from engine.identity.access import public
from engine.models import Certificate, Instance
from engine.uow import unit_of_work
from engine.web.request import runtime
from portal import security
from portal.cases import send_document, summary

bp = Blueprint("tracking", __name__, url_prefix="/seguimiento")
security.install_errors(bp)

#: Ratings one address may send per window (the code is the key; this keeps guessing costly).
RATE = (10, timedelta(minutes=15))
#: Who rated, in the audit trail, when no citizen is signed in.
CODE_HOLDER = "seguimiento"


@bp.get("/")
@public
def start() -> ResponseReturnValue:
    """The form that asks for the code (and sends a typed one to its page)."""
    typed = request.args.get("codigo", "").strip()[:40]
    if typed:
        compact = tracking.normalize(typed)
        if compact is not None and tracking.case_by_tracking_code(compact) is not None:
            return redirect(url_for("tracking.show", code=typed.upper().replace(" ", "")))
        return _not_found(typed)
    return render_template("portal/tracking_start.html", typed="", not_found=False)


@bp.get("/<code>")
@public
def show(code: str) -> ResponseReturnValue:
    """The case's public progress and answer; an unknown code is 404 with the form to try again."""
    instance = tracking.case_by_tracking_code(code)
    if instance is None:
        return _not_found(code)
    return _page(code, instance, rated=request.args.get("calificada") == "1")


@bp.get("/<code>/documentos/<document_id>")
@public
def document(code: str, document_id: str) -> ResponseReturnValue:
    """A document issued for the person (a certificate of the case), for whoever holds the code."""
    instance = tracking.case_by_tracking_code(code)
    if instance is None or document_id not in {c.document_id for c in _issued(instance)}:
        abort(404)
    try:
        return send_document(expediente.document(instance.id, document_id))
    except NotFound:
        abort(404)


@bp.post("/<code>/calificar")
@public
def rate(code: str) -> ResponseReturnValue:
    """Rate the closed case's answer, once (1 to 5 and an optional comment)."""
    instance = tracking.case_by_tracking_code(code)
    if instance is None:
        return _not_found(code)
    if not _within_rate():
        return _page(code, instance, errors={"": [_("Recibimos muchas calificaciones desde esta conexión en poco "
                                                      "tiempo. Espere unos minutos y vuelva a intentar.")]},
                     status=429)
    user = security.current_user()
    actor = user.username if user is not None and user.username == instance.started_by else CODE_HOLDER
    try:
        with unit_of_work():
            ratings.rate(instance, _score(request.form.get("calificacion")),
                         request.form.get("comentario", "")[:ratings.MAX_COMMENT + 1], actor, runtime().clock())
    except DataInvalid as e:
        errors: dict[str, list[str]] = {}
        for found in e.errors:
            errors.setdefault(str(found["pointer"]).lstrip("/"), []).append(str(found["message"]))
        return _page(code, instance, errors=errors, status=422)
    except Conflict as e:
        return _page(code, instance, errors={"": [e.message]}, status=409)
    return redirect(url_for("tracking.show", code=code, calificada="1") + "#calificacion")


def _score(typed: str | None) -> int | None:
    try:
        return int(typed or "")
    except ValueError:
        return None


def _within_rate() -> bool:
    limit, window = RATE
    with unit_of_work():
        return throttle.take(f"calificar-ip:{security.client_ip()}", security.settings().clock(), limit, window)


def _page(code: str, instance: Instance, *, rated: bool = False, errors: dict[str, list[str]] | None = None,
          status: int = 200) -> ResponseReturnValue:
    zone = runtime().settings["TIMEZONE"]
    context: dict[str, Any] = {
        "instance": instance, "code": code, "summary": summary(instance), "dates": cases.main_dates(instance),
        "answer": summary_lines.for_tracking(instance, zone), "rating": ratings.rating_of(instance),
        "may_rate": ratings.may_rate(instance), "rated": rated, "errors": errors or {},
        "issued": _issued(instance),
        "typed": {k: request.form.get(k, "") for k in ("calificacion", "comentario")} if errors else {},
    }
    return render_template("portal/tracking.html", **context), status


def _issued(instance: Instance) -> list[Certificate]:
    """The documents meant for the person: the case's certificates in force."""
    return [c for c in cases.certificates(instance) if c.document_id and c.revoked_at is None]


def _not_found(typed: str) -> ResponseReturnValue:
    return render_template("portal/tracking_start.html", typed=typed[:40], not_found=True), 404
