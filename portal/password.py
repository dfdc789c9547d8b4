"""¿Olvidó su contraseña?: a one-time link by e-mail, a new password, every session ended."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.identity.access import public
from engine.identity.password_reset import ResetFailed, check_link, request_reset, reset_password
from engine.uow import unit_of_work
from portal import security

bp = Blueprint("password", __name__, url_prefix="/contrasena")
security.install_errors(bp)
log = logging.getLogger(__name__)
MAX_FIELD = 256


def _messages() -> dict[str, str]:
    return {
        "invalido": _("El enlace no es válido. Pida uno nuevo."),
        "vencido": _("El enlace venció. Pida uno nuevo en «¿Olvidó su contraseña?»."),
        "usado": _("Este enlace ya se usó. Si necesita cambiar la contraseña otra vez, pida uno nuevo."),
        "corta": _("La contraseña debe tener al menos 10 caracteres."),
        "larga": _("La contraseña puede tener hasta 128 caracteres."),
        "comun": _("Esa contraseña es muy común y fácil de adivinar. Elija otra."),
        "confirmacion": _("Las dos contraseñas no coinciden."),
    }


@bp.route("/olvido", methods=["GET", "POST"])
@public
def forgot() -> ResponseReturnValue:
    """Ask for the link; the answer is the same whether the address has an account or not."""
    if request.method == "GET":
        return render_template("portal/password_forgot.html", sent=False, email="")
    email = request.form.get("email", "")[:MAX_FIELD].strip()
    config = security.settings()
    after_commit: list[Callable[[], None]] = []
    with unit_of_work(after_commit):
        found = request_reset(email, config.clock(), current_app.config["SECRET_KEY"])
        if found is not None:
            user, token = found
            link = config.public_url.rstrip("/") + url_for("password.reset", token=token)
            to, name = user.email or "", user.display_name
            after_commit.append(lambda: _send(to, name, link))
    return render_template("portal/password_forgot.html", sent=True, email=email)


def _send(to: str, name: str, link: str) -> None:
    subject = _("Cambio de contraseña en Trámites SMT")
    body = _("Hola, %(nombre)s:\n\nPara elegir una nueva contraseña abra este enlace (vale una hora y se usa "
             "una sola vez):\n\n%(enlace)s\n\nSi usted no lo pidió, ignore este mensaje: su contraseña no cambia.\n\n"
             "Municipalidad de San Miguel de Tucumán", nombre=name, enlace=link)
    sender = security.settings().send_email
    if sender is None:
        # The link opens the account: it never goes to a log, where others than its owner read it.
        log.warning("e-mail is not configured (SMTP or MAIL_OUTBOX): no password reset link sent to %s", to)
        return
    sender(to, subject, body)


@bp.route("/nueva/<token>", methods=["GET", "POST"])
@public
def reset(token: str) -> ResponseReturnValue:
    """Choose the new password (the link works once, for one hour)."""
    config = security.settings()
    secret = current_app.config["SECRET_KEY"]
    messages = _messages()
    try:
        if request.method == "GET":
            check_link(token, config.clock(), secret)
            return render_template("portal/password_reset.html", token=token, problem=None, error=None)
        password = request.form.get("contrasena", "")[:MAX_FIELD]
        if password != request.form.get("confirmacion", "")[:MAX_FIELD]:
            raise ResetFailed("confirmacion")
        with unit_of_work():
            reset_password(token, password, config.clock(), secret)
    except ResetFailed as e:
        if e.reason in ("invalido", "vencido", "usado"):
            return render_template("portal/password_reset.html", token=None, problem=None,
                                   error=messages[e.reason]), 400
        return render_template("portal/password_reset.html", token=token, problem=messages[e.reason], error=None), 422
    return render_template("portal/password_done.html")
