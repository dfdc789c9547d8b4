"""Migue on the web: a question, the guide's answer with its source, and what to do next.

Public. The page holds a labelled region with the conversation as a live log; with htmx each
answer is appended to the log without reloading, without it the form posts and the page shows
the answer. Questions travel in a POST body (never in a URL, so no access log holds them) and
nothing of them is stored: the log lives in the person's page only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.assistant import migue
from engine.identity import throttle
from engine.identity.access import public
from engine.uow import unit_of_work
from engine.web.request import runtime
from portal import security

bp = Blueprint("assistant", __name__, url_prefix="/migue")
security.install_errors(bp)

#: Questions one address may ask per window: a person asks a few; guessing tracking codes, or
#: running up the language model's bill, takes many.
RATE = (30, timedelta(minutes=5))


def _contact() -> str:
    return str(runtime().settings.get("MIGUE_CONTACT") or "")


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The page with Migue's conversation region, empty."""
    return render_template("assistant/page.html", answer=None, problem=None, contact=_contact())


@bp.post("/preguntar")
@public
def ask() -> ResponseReturnValue:
    """Answer one question: the exchange alone for htmx, the whole page otherwise."""
    question = request.form.get("pregunta", "").strip()
    partial = request.headers.get("HX-Request") == "true"
    if not question:
        return _refused(_("Escriba su pregunta, por ejemplo «¿qué necesito para habilitar un kiosco?»."), 422, partial)
    if not _within_rate():
        return _refused(_("Hizo muchas preguntas seguidas. Espere unos minutos y vuelva a preguntar."), 429, partial)
    settings = runtime().settings
    call = runtime().connectors.invoke if settings.get("MIGUE_MODEL_URL") else None
    answer = migue.ask(question, call=call)
    template = "assistant/_exchange.html" if partial else "assistant/page.html"
    return render_template(template, answer=answer, problem=None, contact=_contact())


def _refused(problem: str, status: int, partial: bool) -> ResponseReturnValue:
    template = "assistant/_problem.html" if partial else "assistant/page.html"
    return render_template(template, answer=None, problem=problem, contact=_contact()), status


def _within_rate() -> bool:
    limit, window = RATE
    with unit_of_work():
        return throttle.take(f"migue-ip:{security.client_ip()}", security.settings().clock(), limit, window)
