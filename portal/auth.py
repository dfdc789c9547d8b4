"""Sign-in, sign-out, citizen sign-up and the e-mail verification page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.identity import signin, throttle
from engine.identity.access import login_required, public
from engine.identity.accounts import User
from engine.identity.signin import Outcome
from engine.identity.signup import (
    AlreadyRegistered,
    SignupInvalid,
    VerificationFailed,
    register_citizen,
    start_verification,
    verify_email,
)
from engine.uow import unit_of_work
from portal import security

bp = Blueprint("auth", __name__)
security.install_errors(bp)
log = logging.getLogger(__name__)
MAX_FIELD = 256
NOTICES_PER_WINDOW, NOTICE_WINDOW = 2, timedelta(minutes=15)


def _signup_messages() -> dict[str, str]:
    return {
        "email": _("Escriba un correo electrónico válido, por ejemplo nombre@dominio.com.ar."),
        "nombre": _("Escriba su nombre y apellido (entre 3 y 200 caracteres)."),
        "corta": _("La contraseña debe tener al menos 10 caracteres."),
        "larga": _("La contraseña puede tener hasta 128 caracteres."),
        "comun": _("Esa contraseña es muy común y fácil de adivinar. Elija otra."),
        "documento": _("Escriba su DNI (7 u 8 números) o su CUIL (11 números)."),
        "cuil_digito": _("El CUIL no es válido: revise los números (el último es un dígito verificador)."),
        "confirmacion": _("Las dos contraseñas no coinciden."),
    }


def _verification_messages() -> dict[str, str]:
    return {
        "invalido": _("El enlace no es válido. Copie el enlace completo del correo que le enviamos."),
        "vencido": _("El enlace venció. Regístrese de nuevo para recibir otro."),
        "usado": _("Este enlace ya se usó: su cuenta ya está activa. Puede ingresar."),
    }


def _role_labels() -> dict[str, str]:
    return {"citizen": _("Ciudadano/a"), "staff": _("Personal municipal"), "supervisor": _("Supervisión"),
            "analyst": _("Análisis de procesos"), "auditor": _("Auditoría"),
            "archivist": _("Gestión documental"), "admin": _("Administración"),
            "scheduler": _("Agendas de turnos")}


def _field(name: str) -> str:
    return request.form.get(name, "")[:MAX_FIELD]


@bp.route("/ingresar", methods=["GET", "POST"])
@public
def sign_in() -> ResponseReturnValue:
    """The sign-in form: local accounts and, when configured, the staff directory."""
    target = security.safe_next(request.values.get("siguiente"))
    if request.method == "GET":
        return render_template("auth/signin.html", siguiente=target, login="")
    login, password = _field("usuario").strip(), request.form.get("contrasena", "")[:MAX_FIELD]
    config = security.settings()
    client = security.client_ip()
    known = signin.find_local(login)
    account = throttle.account_of(login, known.id if known is not None else None)
    keys = throttle.keys_for(account, client)
    wait = throttle.wait_seconds(keys, config.clock())
    if wait:
        log.warning("sign-in locked for %r from %s (%d s)", login, client, wait)
        minutes = max(1, (wait + 59) // 60)
        message = _("Demasiados intentos fallidos. Espere %(minutos)s minuto(s) y vuelva a intentar.", minutos=minutes)
        return _signin_error(message, login, target, 429)
    with unit_of_work():
        result = signin.sign_in(login, password, authenticate_staff=config.authenticate_staff,
                                role_groups=config.role_groups)
        if result.outcome is Outcome.OK and result.user is not None:
            throttle.record_success(throttle.account_of(login, result.user.id), client)
            security.start_session(result.user)
        elif result.outcome is Outcome.BAD_CREDENTIALS:
            throttle.record_failure(keys, config.clock(), config.throttle_policy)
    if result.outcome is Outcome.OK:
        log.info("sign-in: %r from %s", login, client)
        return redirect(target or _landing(result.user))
    return _signin_failure(result.outcome, login, target)


#: Where each role works, in the order a person with several roles lands: administrators keep
#: the platform (and may open every page), analysts build procedures, staff and supervisors
#: work their inboxes, auditors search cases; citizens (and anyone else) start at the home page.
LANDINGS = (("admin", "administration.index"), ("analyst", "studio.home"), ("supervisor", "inbox.index"),
            ("staff", "inbox.index"), ("auditor", "case_search.index"), ("archivist", "records.index"),
            ("scheduler", "agendas.index"))


def _landing(user: User | None) -> str:
    """Where a person lands after signing in: the first of their roles' places (see LANDINGS)."""
    roles = user.role_set if user is not None else frozenset()
    for role, endpoint in LANDINGS:
        if role in roles and endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("home.index")


def _signin_failure(outcome: Outcome, login: str, target: str | None) -> ResponseReturnValue:
    if outcome is Outcome.DIRECTORY_DOWN:
        log.warning("sign-in: the staff directory did not answer")
        return _signin_error(_("El directorio de personal no responde. Intente de nuevo en unos minutos."),
                             login, target, 503)
    if outcome is Outcome.INACTIVE:
        return _signin_error(_("Su cuenta todavía no está activa: abra el enlace que le enviamos por correo."),
                             login, target, 403)
    return _signin_error(_("Usuario o contraseña incorrectos."), login, target, 400)


def _signin_error(message: str, login: str, target: str | None, status: int) -> ResponseReturnValue:
    return render_template("auth/signin.html", error=message, login=login, siguiente=target), status


@bp.post("/salir")
@login_required
def sign_out() -> ResponseReturnValue:
    """End the session (server-side) and go back to the home page."""
    with unit_of_work():
        security.end_session()
    return redirect(url_for("home.index"))


@bp.get("/cuenta")
@login_required
def account() -> ResponseReturnValue:
    """The signed-in person's profile: name, e-mail, roles and groups."""
    user = security.current_user()
    labels = _role_labels()
    roles = sorted(labels.get(r, r) for r in (user.role_set if user else ()))
    return render_template("auth/account.html", user=user, roles=roles)


@bp.route("/registrarse", methods=["GET", "POST"])
@public
def sign_up() -> ResponseReturnValue:
    """Citizen sign-up: the account starts inactive until the e-mail link is opened."""
    values = {name: _field(name) for name in ("email", "nombre", "documento")}
    if request.method == "GET":
        return render_template("auth/signup.html", values=values, problems={})
    password = request.form.get("contrasena", "")[:MAX_FIELD]
    config = security.settings()
    after_commit: list[Callable[[], None]] = []
    try:
        with unit_of_work(after_commit):
            if password != request.form.get("confirmacion", ""):
                raise SignupInvalid({"confirmacion": "confirmacion"})
            try:
                user = register_citizen(email=values["email"], password=password, name=values["nombre"],
                                        document=values["documento"])
            except AlreadyRegistered as e:  # answered as a new sign-up; the owners hear of it
                after_commit.extend(_account_exists_notices(e.owners, config.clock()))
            else:
                token = start_verification(user, config.clock(), current_app.config["SECRET_KEY"])
                link = config.public_url.rstrip("/") + url_for("auth.verify", token=token)
                to, name = user.email or "", user.display_name
                after_commit.append(lambda: _send_verification(to, name, link))
    except SignupInvalid as e:
        messages = _signup_messages()
        problems = {name: messages.get(code, code) for name, code in e.problems.items()}
        return render_template("auth/signup.html", values=values, problems=problems), 422
    return redirect(url_for("auth.sign_up_sent"))


def _account_exists_notices(owners: list[User], now: datetime) -> list[Callable[[], None]]:
    """One e-mail to each owner whose e-mail or document someone tried to sign up with, at most
    :data:`NOTICES_PER_WINDOW` per :data:`NOTICE_WINDOW` each (the form must not flood a mailbox)."""
    sign_in = security.settings().public_url.rstrip("/") + url_for("auth.sign_in")
    notices: list[Callable[[], None]] = []
    for owner in owners:
        if owner.email and throttle.take(f"aviso-registro:{owner.id}", now, NOTICES_PER_WINDOW, NOTICE_WINDOW):
            notices.append(partial(_send_account_exists, owner.email, owner.display_name, sign_in))
    return notices


def _send_account_exists(to: str, name: str, sign_in: str) -> None:
    subject = _("Alguien intentó registrarse con sus datos en Trámites SMT")
    body = _("Hola, %(nombre)s:\n\nAlguien intentó crear una cuenta de Trámites SMT con su correo o su documento, "
             "que ya tienen una cuenta. Si fue usted, ingrese con ella o recupere su contraseña:\n\n%(enlace)s\n\n"
             "Si no fue usted, no hace falta que haga nada: no se creó ninguna cuenta.\n\n"
             "Municipalidad de San Miguel de Tucumán", nombre=name, enlace=sign_in)
    _send(to, subject, body, what="account-exists notice")


def _send_verification(to: str, name: str, link: str) -> None:
    subject = _("Confirme su correo para Trámites SMT")
    body = _("Hola, %(nombre)s:\n\nPara activar su cuenta de Trámites SMT abra este enlace (vale 48 horas):\n\n"
             "%(enlace)s\n\nSi usted no se registró, ignore este mensaje.\n\n"
             "Municipalidad de San Miguel de Tucumán", nombre=name, enlace=link)
    _send(to, subject, body, what="verification link")


def _send(to: str, subject: str, body: str, what: str) -> None:
    sender = security.settings().send_email
    if sender is None:
        # No SMTP and no outbox (the embedded default has the outbox): the link itself never goes
        # to the log, where others than its owner read it.
        log.warning("e-mail is not configured (SMTP or MAIL_OUTBOX): no %s sent to %s", what, to)
        return
    sender(to, subject, body)


@bp.get("/registrarse/enviado")
@public
def sign_up_sent() -> ResponseReturnValue:
    """Tell the citizen to open the link we e-mailed."""
    return render_template("auth/signup_sent.html")


@bp.route("/registrarse/confirmar/<token>", methods=["GET", "POST"])
@public
def verify(token: str) -> ResponseReturnValue:
    """The e-mail link: a button activates the account (link scanners only GET)."""
    if request.method == "GET":
        return render_template("auth/verify.html", token=token)
    try:
        with unit_of_work():
            verify_email(token, security.settings().clock(), current_app.config["SECRET_KEY"])
    except VerificationFailed as e:
        return render_template("auth/verify.html", token=None, error=_verification_messages()[e.reason]), 400
    return render_template("auth/verified.html")
