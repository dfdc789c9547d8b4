"""The WhatsApp conversation an «Atención por WhatsApp» case attends, for the staff handling it.

A panel of the case view and the task page (``worklists.web.add_case_panel``): the whole
conversation as it grows, with who wrote each message and, for replies, whether the phone got
them. Only staff who may see the case (Atención al Vecino, who holds its task) open it;
auditors and everyone else do not: the conversation is the person's (Ley 25.326). Each opening
is recorded as a read of the transcript.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from engine.casefile import access
from engine.conversations import handoff
from engine.errors import NotFound
from engine.identity.access import roles_required
from engine.privacy import reads
from worklists import web

bp = Blueprint("conversations", __name__, url_prefix="/bandeja/conversaciones", template_folder="../templates")
web.install_errors(bp)
web.add_case_panel(bp, handoff.PROCESS_KEY, "conversations.show")
STATUS = {"queued": "En cola", "sent": "Enviado", "delivered": "Entregado", "read": "Leído", "failed": "No entregado"}


@bp.get("/<number>")
@roles_required("staff", "supervisor")
def show(number: str) -> ResponseReturnValue:
    """The conversation of one «Atención por WhatsApp» case (a fragment for htmx, else a page)."""
    user = web.user()
    instance = access.visible_case_by_number(number, user)
    if instance.process_key != handoff.PROCESS_KEY:
        raise NotFound("El expediente no es una atención por WhatsApp.")
    conversation, messages = handoff.of_case(instance.id, instance.data or {})
    if conversation is not None and user is not None:
        reads.record_reads(instance, user.username, "tarea", ["transcripcion"], web.now())
    rows = [{**handoff.shown(m), "direction": m.direction, "at": m.created_at,
             "status": STATUS.get(m.status or "", "")} for m in messages]
    template = "worklists/conversacion_lista.html" if web.is_htmx() else "worklists/conversacion.html"
    return render_template(template, instance=instance, conversation=conversation, rows=rows, local_time=web.local)
