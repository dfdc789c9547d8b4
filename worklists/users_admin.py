"""Accounts and API tokens (``/administracion/usuarios``), for administrators.

Local accounts are created here, without a password: the new person gets a link by e-mail to
choose it (``engine.identity.password_reset.issue_welcome``), so the administrator never knows
it. Their roles, groups and active flag are edited here; directory (LDAP) and external accounts
are shown read-only. API tokens are created (the secret shown once, on the
answer to the POST, never stored or put in a link) and revoked. The engine does and audits
each change (``engine.identity.administration``, ``engine.identity.tokens``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.api.auth import forget_cached_tokens
from engine.errors import DataInvalid, EngineError
from engine.identity import administration, password_reset, tokens
from engine.identity.access import roles_required
from engine.identity.accounts import ROLES, User
from engine.uow import unit_of_work
from worklists import web

bp = Blueprint("users_admin", __name__, url_prefix="/administracion/usuarios", template_folder="templates")
web.install_errors(bp)
log = logging.getLogger(__name__)
MAX_TEXT = 100
#: Form field of each of the engine's problem fields.
NEW_FIELDS = {"username": "usuario", "display_name": "nombre", "email": "correo", "roles": "roles", "groups": "grupos"}


def _role_labels() -> dict[str, str]:
    return {"citizen": _("Ciudadano/a"), "staff": _("Personal municipal"), "supervisor": _("Supervisión"),
            "analyst": _("Análisis de procesos"), "auditor": _("Auditoría"),
            "archivist": _("Gestión documental"), "admin": _("Administración"),
            "scheduler": _("Agendas de turnos")}


def _scope_labels() -> dict[str, str]:
    return {"read": _("leer"), "start": _("iniciar trámites"), "tasks": _("completar tareas"),
            "messages": _("enviar mensajes"), "deploy": _("publicar versiones"), "admin": _("todo")}


def _known_groups() -> list[str]:
    found = web.runtime().known_groups
    return administration.group_names(found() if found else ())


def _index(token_name: str = "", token_scopes: tuple[str, ...] = (), token_error: str = "", secret: str = "",
           status: int = 200) -> ResponseReturnValue:
    text = request.args.get("q", "")[:MAX_TEXT]
    page = request.args.get("pagina", "")
    accounts = administration.accounts(text, int(page) if page.isdigit() else 1)
    return render_template("worklists/users_admin.html", accounts=accounts, q=text, roles=_role_labels(),
                           token_rows=administration.token_rows(), scopes=tokens.SCOPES,
                           scope_labels=_scope_labels(), token_name=token_name, token_scopes=token_scopes,
                           token_error=token_error, secret=secret, local_time=web.local), status


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    """Every account (``?q=`` narrows them) and the API tokens."""
    return _index()


@bp.get("/<username>")
@roles_required("admin")
def show(username: str) -> ResponseReturnValue:
    """One account: its form when it is local, its data when the directory rules it."""
    return _account_page(username)


def _account_page(username: str, problems: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    user = administration.account(username)
    return render_template("worklists/users_admin_account.html", account=user, roles=_role_labels(),
                           all_roles=ROLES, groups=_known_groups(), problems=problems or {},
                           me=web.user().username, local_time=web.local), status


@bp.post("/<username>/guardar")
@roles_required("admin")
def save(username: str) -> ResponseReturnValue:
    """Save a local account's roles, groups and active flag."""
    try:
        with unit_of_work():
            administration.update_account(username, roles=request.form.getlist("roles"),
                                          groups=request.form.getlist("grupos"),
                                          active=request.form.get("activa") == "1", actor=web.user(),
                                          allowed_groups=_known_groups())
    except DataInvalid as e:
        fields = {"roles": "roles", "groups": "grupos"}
        problems = {fields.get(p.get("field", ""), "roles"): p["message"] for p in e.errors}
        return _account_page(username, problems, 422)
    flash(_("Se guardaron los cambios de la cuenta %(name)s.", name=username), "ok")
    return redirect(url_for("users_admin.show", username=username), 303)


@bp.get("/nueva")
@roles_required("admin")
def new() -> ResponseReturnValue:
    """The form of a new local account (staff, usually)."""
    return _new_page({"roles": ["staff"]})


def _new_page(typed: dict[str, object], problems: dict[str, str] | None = None,
              status: int = 200) -> ResponseReturnValue:
    return render_template("worklists/users_admin_new.html", typed=typed, problems=problems or {},
                           roles=_role_labels(), all_roles=ROLES, groups=_known_groups(),
                           directory=bool(web.runtime().settings.get("LDAP_URL"))), status


@bp.post("/nueva")
@roles_required("admin")
def create() -> ResponseReturnValue:
    """Create a local account and e-mail its owner the link to choose a password."""
    form = request.form
    typed: dict[str, object] = {"usuario": form.get("usuario", "")[:MAX_TEXT], "nombre": form.get("nombre", "")[:300],
                                "correo": form.get("correo", "")[:300], "roles": form.getlist("roles"),
                                "grupos": form.getlist("grupos")}
    try:
        with web.transaction() as ctx:
            user = administration.create_account(
                username=str(typed["usuario"]), display_name=str(typed["nombre"]), email=str(typed["correo"]),
                roles=form.getlist("roles"), groups=form.getlist("grupos"), actor=web.user(),
                allowed_groups=_known_groups())
            welcome = _welcome(user, ctx.now(), ctx.public_url)
    except DataInvalid as e:
        problems = {NEW_FIELDS.get(p.get("field", ""), "usuario"): p["message"] for p in e.errors}
        return _new_page(typed, problems, 422)
    if _send_welcome(*welcome):
        flash(_("Se creó la cuenta %(name)s. Le enviamos a %(to)s un enlace para elegir su contraseña (vale "
                "3 días).", name=welcome[2], to=welcome[0]), "ok")
    else:
        flash(_("Se creó la cuenta %(name)s, pero no se pudo enviar el correo con el enlace. Vuelva a enviarlo "
                "desde aquí cuando el correo funcione.", name=welcome[2]), "error")
    return redirect(url_for("users_admin.show", username=welcome[2]), 303)


@bp.post("/<username>/enlace")
@roles_required("admin")
def send_link(username: str) -> ResponseReturnValue:
    """Send again the link to choose the first password (a new one; the earlier ones keep working until used)."""
    with web.transaction() as ctx:
        welcome = _welcome(administration.awaiting_password(username, web.user()), ctx.now(), ctx.public_url)
    if _send_welcome(*welcome):
        flash(_("Le enviamos a %(to)s un nuevo enlace para elegir su contraseña (vale 3 días).", to=welcome[0]),
              "ok")
    else:
        flash(_("No se pudo enviar el correo con el enlace. Intente de nuevo más tarde."), "error")
    return redirect(url_for("users_admin.show", username=username), 303)


def _welcome(user: User, now: datetime, public_url: str) -> tuple[str, str, str, str]:
    """``(to, name, username, link)`` of a new link to choose the first password (in the transaction)."""
    token = password_reset.issue_welcome(user, now, current_app.config["SECRET_KEY"])
    return user.email or "", user.display_name, user.username, public_url.rstrip("/") + url_for(
        "password.reset", token=token)


def _send_welcome(to: str, name: str, username: str, link: str) -> bool:
    """E-mail the link to choose the first password; ``False`` when it could not go out."""
    sender = web.runtime().send_email
    if sender is None:
        # The link opens the account: it never goes to a log, where others than its owner read it.
        log.warning("e-mail is not configured (SMTP or MAIL_OUTBOX): no welcome link sent to %s", username)
        return False
    subject = _("Su cuenta en Trámites SMT")
    body = _("Hola, %(nombre)s:\n\nLa Municipalidad le creó una cuenta en Trámites SMT con el usuario "
             "«%(usuario)s». Para elegir su contraseña abra este enlace (vale 3 días y se usa una sola vez):\n\n"
             "%(enlace)s\n\nSi el enlace venció, pida otro en «¿Olvidó su contraseña?» con esta dirección de "
             "correo.\n\nMunicipalidad de San Miguel de Tucumán", nombre=name, usuario=username, enlace=link)
    try:
        sender(to, subject, body)
    except Exception:  # the front may not know the connector's errors; the account is made already
        log.exception("the welcome e-mail of account %s could not be sent", username)
        return False
    return True


@bp.post("/tokens/crear")
@roles_required("admin")
def create_token() -> ResponseReturnValue:
    """Create an API token and show its secret this once."""
    name = request.form.get("nombre", "").strip()[:MAX_TEXT]
    scopes = tuple(request.form.getlist("alcances"))
    try:
        with unit_of_work():
            created, secret = tokens.create(name, list(scopes), web.user().username)
            created_name = created.name
    except EngineError as e:
        return _index(name, scopes, e.message, status=e.status if e.status < 500 else 400)
    return _index(token_name=created_name, secret=secret, status=201)


@bp.post("/tokens/revocar")
@roles_required("admin")
def revoke_token() -> ResponseReturnValue:
    """Revoke an API token: the API refuses it from now on."""
    name = request.form.get("nombre", "")[:MAX_TEXT]
    try:
        with unit_of_work():
            administration.token(name)
            tokens.revoke(name, web.user().username)
    except EngineError as e:
        flash(_("No se pudo revocar el token: %(reason)s", reason=e.message), "error")
        return redirect(url_for("users_admin.index", _anchor="tokens"), 303)
    forget_cached_tokens()
    flash(_("Se revocó el token «%(name)s»: la API ya no lo acepta.", name=name), "ok")
    return redirect(url_for("users_admin.index", _anchor="tokens"), 303)
