"""Mis notificaciones: the citizen's electronic address (accepted once) and the notices sent to it.

Opening a notice here is what makes it received (the first time): the notified document is
served and the case is told, in the same transaction.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import NotFound
from engine.identity.access import roles_required
from engine.notices import address, receipt
from engine.uow import unit_of_work
from engine.web.request import runtime, transaction
from portal import security
from portal.cases import send_document
from portal.presentation import signed_in_user

bp = Blueprint("notices", __name__, url_prefix="/mis-notificaciones")
security.install_errors(bp)


@bp.get("/")
@roles_required("citizen")
def index() -> ResponseReturnValue:
    """The person's notices, newest first, each with its state and proof."""
    user = signed_in_user()
    return render_template("portal/notices.html", items=receipt.notices_of(user.username),
                           accepted=address.address_of(user.id))


@bp.get("/domicilio")
@roles_required("citizen")
def terms() -> ResponseReturnValue:
    """The terms of the electronic address, and whether the person accepted them."""
    user = signed_in_user()
    return render_template("portal/electronic_address.html", terms=address.TERMS,
                           version=address.TERMS_VERSION, accepted=address.address_of(user.id))


@bp.post("/domicilio")
@roles_required("citizen")
def accept() -> ResponseReturnValue:
    """Accept the electronic address (once; a second acceptance is refused with 409)."""
    user = signed_in_user()
    with unit_of_work():
        address.accept(user, runtime().clock())
    flash(_("Constituyó su domicilio electrónico: desde ahora sus notificaciones llegan aquí."))
    return redirect(url_for("notices.index"))


@bp.get("/<notice_id>")
@roles_required("citizen")
def open_notice(notice_id: str) -> ResponseReturnValue:
    """Open a notice: the notified document (the first opening counts as its receipt)."""
    user = signed_in_user()
    try:
        with transaction() as ctx:
            found = receipt.open_notice(ctx, user.username, notice_id, runtime().documents.issue_certificate)
    except NotFound:
        abort(404)
    return send_document(found)
