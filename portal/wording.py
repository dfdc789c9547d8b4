"""How the portal words a case's state, current step and history for citizens (through Flask-Babel)."""

from __future__ import annotations

from flask_babel import gettext as _

from engine.citizens.cases import CaseStep, Happening


def status_words(status: str) -> str:
    """An instance status in plain Spanish."""
    words = {"running": _("En trámite"), "waiting": _("En espera"), "suspended": _("Suspendido"),
             "error": _("Demorado por un problema técnico"), "completed": _("Finalizado"),
             "terminated": _("Dado de baja")}
    return words.get(status, status)


def step_words(step: CaseStep) -> str:
    """Where the case stands, as a citizen would say it."""
    names = ", ".join(step.names)
    if step.kind == "finished" and names:
        return _("Finalizado: %(fin)s", fin=names)
    words = {"finished": _("Finalizado"), "dropped": _("Dado de baja"),
             "applicant": _("Esperando una acción suya: %(tareas)s", tareas=names),
             "review": _("En revisión: %(tareas)s", tareas=names), "payment": _("Esperando el pago"),
             "elsewhere": _("Esperando una respuesta de otra oficina"), "working": _("En proceso")}
    return words.get(step.kind, step.kind)


def happening_words(happening: Happening) -> str:
    """One event of the case's history in plain Spanish."""
    detail = happening.detail
    words = {
        "instance_started": _("Se inició el trámite"),
        "task_created": _("Pasó a la etapa «%(etapa)s»", etapa=detail),
        "task_completed": _("Se completó la etapa «%(etapa)s»", etapa=detail),
        "document_added": _("Se agregó el documento «%(titulo)s»", titulo=detail),
        "certificate_issued": _("Se emitió el certificado «%(titulo)s»", titulo=detail),
        "payment_slip_issued": _slip_words(happening),
        "message_received": _("Se registró un aviso externo"),
        "notice_sent": _("Recibió una notificación en su domicilio electrónico"),
        "instance_suspended": _("El trámite quedó suspendido"),
        "instance_resumed": _("El trámite se reanudó"),
        "instance_completed": _("El trámite finalizó"),
        "instance_terminated": _("El trámite fue dado de baja"),
        "acted_on_behalf": _acting_words(happening),
    }
    return words.get(happening.kind, happening.kind)


def _acting_words(happening: Happening) -> str:
    """«X en representación de Y»: who acted for the applicant, and what they did."""
    representative, party, act = happening.acting or ("", "", "")
    if act == "inicio":
        return _("%(apoderado)s inició el trámite en representación de %(representado)s",
                 apoderado=representative, representado=party)
    if act == "respuesta":
        return _("%(apoderado)s respondió «%(etapa)s» en representación de %(representado)s",
                 apoderado=representative, etapa=happening.detail, representado=party)
    return _("%(apoderado)s actuó en representación de %(representado)s", apoderado=representative,
             representado=party)


def _slip_words(happening: Happening) -> str:
    """A slip to pay: its number, amount and due date (es-AR), as the case's pending payment says."""
    slip = happening.slip
    if slip is None or not (slip.amount and slip.due):
        return _("Se emitió la boleta %(numero)s para pagar", numero=slip.number if slip else happening.detail)
    return _("Se emitió la boleta %(numero)s por %(importe)s, vence el %(fecha)s", numero=slip.number,
             importe=slip.amount, fecha=slip.due)
