"""«Correo saliente» (``/administracion/correo``): the e-mail the embedded default kept instead of sending.

Without a mail server (``TRAMITES_MAIL_OUTBOX``, on in the embedded default without
``TRAMITES_SMTP_HOST``) every message is kept in the instance folder; administrators read here
what citizens and staff would have received, with its links ready to follow.
"""

from __future__ import annotations

import re

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup, escape

from engine.errors import NotFound
from engine.identity.access import roles_required
from worklists import web

bp = Blueprint("mail_outbox", __name__, url_prefix="/administracion/correo", template_folder="templates")
web.install_errors(bp)

#: An http(s) address in a message's text, up to the first space or closing bracket.
_LINK = re.compile(r"https?://[^\s<>\"'»)]+")


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    """The kept messages, newest first (or why there are none: the mail goes out over SMTP)."""
    mailbox = web.runtime().tools.mailbox
    return render_template("worklists/mail_outbox.html", local=mailbox is not None,
                           rows=mailbox.messages() if mailbox is not None else [], local_time=web.local)


@bp.get("/<name>")
@roles_required("admin")
def show(name: str) -> ResponseReturnValue:
    """One kept message: who it was for, its subject, when, and its text with live links."""
    mailbox = web.runtime().tools.mailbox
    found = mailbox.message(name) if mailbox is not None else None
    if found is None:
        raise NotFound(_("No hay un correo guardado con ese nombre."))
    return render_template("worklists/mail_message.html", mail=found, body=linked(found.text), local_time=web.local)


def linked(text: str) -> Markup:
    """``text`` escaped, with each http(s) address turned into a link to itself."""
    parts: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(".,;:")
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.start() + len(url)
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
