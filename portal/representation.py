"""Representatives in the portal: «Actuar en nombre de…» (the party kept in the session) and
«Mis representantes» (the powers a person or company gave, each with «Revocar»).

The chosen party is only a preference of the session: every page that acts on it asks
:mod:`engine.representation.powers` again, so a power revoked or expired a second ago
admits nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import NotFound
from engine.identity.access import roles_required
from engine.identity.accounts import User
from engine.representation import powers
from engine.uow import unit_of_work
from engine.web.request import runtime
from portal import security
from portal.presentation import signed_in_user

bp = Blueprint("representation", __name__)
security.install_errors(bp)
#: The procedure by which a person presents a power of attorney for staff to accept.
POWER_KEY = "apoderamiento"


def acting_party(user: User) -> User | None:
    """The party the signed-in person acts for now (chosen in the session and still represented), or None."""
    row = security.current_session()
    chosen = row.acting_for if row is not None else None
    if not chosen:
        return None
    return next((party for _power, party in powers.parties_of(user.username) if party.username == chosen), None)


@bp.app_context_processor
def acting_banner() -> dict[str, Any]:
    """The party shown in the header («Actuando en nombre de…») on every portal page."""
    user = security.current_user() if security.EXTENSION in current_app.extensions else None
    if user is None or "citizen" not in user.role_set:
        return {"acting_for": None}
    return {"acting_for": acting_party(user)}


@bp.get("/representacion/")
@roles_required("citizen")
def index() -> ResponseReturnValue:
    """The parties the person may act for (powers in force), and who they act for now."""
    user = signed_in_user()
    return render_template("portal/representation.html", parties=powers.parties_of(user.username),
                           current=acting_party(user), procedure=POWER_KEY)


@bp.post("/representacion/")
@roles_required("citizen")
def choose() -> ResponseReturnValue:
    """Act for a party (field ``representado``, a username) or, empty, on one's own behalf."""
    user = signed_in_user()
    chosen = (request.form.get("representado") or "").strip()[:120]
    party = next((p for _power, p in powers.parties_of(user.username) if p.username == chosen), None)
    if chosen and party is None:
        abort(404)
    row = security.current_session()
    if row is None:
        abort(400)
    with unit_of_work():
        row.acting_for = party.username if party else None
    if party is not None:
        flash(_("Ahora actúa en nombre de %(representado)s.", representado=party.display_name))
    else:
        flash(_("Ahora actúa en nombre propio."))
    return redirect(url_for("cases.index"))


@bp.get("/mis-representantes/")
@roles_required("citizen")
def given() -> ResponseReturnValue:
    """The powers the person (or company) gave: representative, procedures, dates, state."""
    user = signed_in_user()
    return render_template("portal/representatives.html", items=powers.given_by(user.username),
                           today=powers.today())


@bp.post("/mis-representantes/revocar")
@roles_required("citizen")
def revoke() -> ResponseReturnValue:
    """Revoke a power the person gave (field ``poder``): from now the representative gets 404."""
    user = signed_in_user()
    try:
        with unit_of_work():
            power = powers.revoke(user.username, (request.form.get("poder") or "")[:36], runtime().clock())
            name = power.representative
    except NotFound:
        abort(404)
    flash(_("Revocó el poder de %(apoderado)s.", apoderado=name))
    return redirect(url_for("representation.given"))
