"""The analysts' test cases (``/estudio/pruebas/``): every deployed version, to pick one to try.

Trying it happens in the studio's «Probar» pages (:mod:`worklists.studio.trial`): the start
form, the test cases with their own clock, each case's page playing every lane. The old address
of a version's test cases leads there. What both show of a test case (:class:`CaseView`, the end
it reached, how far «Adelantar reloj» moves it) is here. The rules live in
:mod:`engine.workflow.testcases`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from engine.casefile import assembly
from engine.citizens import cases as citizen_cases
from engine.errors import DataInvalid, NotFound
from engine.identity.access import roles_required
from engine.models import Instance, Task
from engine.workflow import deployments, outbox, testcases
from engine.workflow.step import EngineContext
from worklists import web

bp = Blueprint("test_cases", __name__, url_prefix="/estudio/pruebas", template_folder="templates")
web.install_errors(bp)
ANALYSTS = ("analyst",)
#: The units of «Adelantar reloj»: form value -> one unit; business days are counted on the calendar.
UNITS = {"horas": timedelta(hours=1), "dias": timedelta(days=1), "semanas": timedelta(weeks=1)}
BUSINESS_DAYS = "dias_habiles"
#: What one move may ask for, in each unit (the engine refuses beyond a year anyway).
MAX_AMOUNT = 999


@dataclass
class CaseView:
    """One test case as the page lists it."""

    instance: Instance
    clock: datetime
    tasks: list[Task]
    suppressed: list[outbox.OutboxMessage] = field(default_factory=list)
    #: The name of the end event a finished case reached («Archivado sin respuesta»), when it has one.
    ended: str | None = None

    @property
    def status(self) -> str:
        """The case's state in Spanish, as the case file says it."""
        return assembly.STATUS_LABELS.get(self.instance.status, self.instance.status)

    @property
    def next_timer(self) -> datetime | None:
        """When the next timer fires on the case's own clock (the index keeps the platform's)."""
        due = self.instance.next_timer_at
        return due + timedelta(seconds=self.instance.clock_offset or 0) if due is not None else None


@bp.get("/")
@roles_required(*ANALYSTS)
def index() -> ResponseReturnValue:
    """Every deployed procedure with its versions, to pick one to try."""
    found = [(d, [v for v in deployments.versions(d.key) if not v.trial]) for d in deployments.catalogue()]
    return render_template("worklists/test_cases_index.html", procedures=found)


@bp.get("/<key>/<version>")
@roles_required(*ANALYSTS)
def version(key: str, version: str) -> ResponseReturnValue:
    """A version's test cases live in the studio's «Probar» page now; the old address leads there."""
    if not version.isdigit() or len(version) > 9:
        raise NotFound("No existe esa versión del trámite.")
    found = deployments.version(key, int(version))
    return redirect(url_for("trial.version", key=found.key, version=found.version), 301)


def end_reached(case: Instance) -> str | None:
    """The name of the end event a finished case reached: what its citizen reads (``None``: no name)."""
    return citizen_cases.end_reached(case)


def amount(ctx: EngineContext, instance_id: str) -> timedelta | None:
    """«Adelantar reloj»'s amount and unit (form fields ``cantidad``, ``unidad``) as a duration;
    business days are counted on the holiday calendar. ``None`` when the form asks for nothing valid."""
    unit = request.form.get("unidad", "")
    try:
        count = int(request.form.get("cantidad", ""))
    except ValueError:
        return None
    if unit not in (*UNITS, BUSINESS_DAYS) or not 1 <= count <= MAX_AMOUNT:
        return None
    if unit == BUSINESS_DAYS:
        try:
            return testcases.business_days_ahead(ctx, instance_id, count)
        except DataInvalid:
            return None
    return UNITS[unit] * count
