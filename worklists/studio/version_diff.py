"""Compare two versions of a procedure and move running cases to the newer one.

``GET /estudio/procedimientos/<key>/diferencias?de=<n>&a=<m>`` shows version ``m``'s diagram with
the elements added and changed since ``n`` marked (bpmn-js, ``js/version-diff.js``), the removed
ones listed, the forms, decisions and templates that changed (:mod:`engine.studio.diff`), and the
real cases running on each of the two versions. ``POST …/diferencias/migrar`` migrates the
checked cases to version ``m`` with the engine's migration (:mod:`engine.workflow.migration`),
one case per transaction: each is moved or refused on its own, with the reasons in Spanish, and
each move is audited with who made it. Analysts (and administrators) only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from engine.casefile import assembly
from engine.db import db
from engine.errors import EngineError
from engine.identity.access import roles_required
from engine.models import Deployment, Instance, Task
from engine.studio import diff
from engine.workflow import deployments, migration
from engine.workflow.testcases import real_instances
from worklists import web

bp = Blueprint("version_diff", __name__, url_prefix="/estudio/procedimientos", template_folder="../templates")
web.install_errors(bp)
#: Cases of a version the page lists (and one batch may migrate): a page, not a report.
MAX_CASES = 200
FINISHED = ("completed", "terminated")


def kind_label(kind: str) -> str:
    """A BPMN element's kind as analysts read it."""
    labels = {
        "userTask": _("Tarea de usuario"), "manualTask": _("Tarea manual"), "serviceTask": _("Tarea de servicio"),
        "scriptTask": _("Tarea de script"), "businessRuleTask": _("Tarea de decisión"), "task": _("Tarea"),
        "sendTask": _("Tarea de envío"), "receiveTask": _("Tarea de recepción"), "callActivity": _("Llamada a proceso"),
        "subProcess": _("Subproceso"), "startEvent": _("Evento de inicio"), "endEvent": _("Evento de fin"),
        "intermediateCatchEvent": _("Evento intermedio (espera)"),
        "intermediateThrowEvent": _("Evento intermedio (envío)"), "boundaryEvent": _("Evento de borde"),
        "exclusiveGateway": _("Compuerta exclusiva"), "parallelGateway": _("Compuerta paralela"),
        "inclusiveGateway": _("Compuerta inclusiva"), "eventBasedGateway": _("Compuerta por eventos"),
        "sequenceFlow": _("Flujo"), "messageFlow": _("Flujo de mensaje"), "lane": _("Carril"),
        "laneSet": _("Conjunto de carriles"), "process": _("Proceso"), "participant": _("Participante"),
        "collaboration": _("Colaboración"), "message": _("Mensaje"), "signal": _("Señal"), "error": _("Error"),
        "escalation": _("Escalamiento"), "correlationProperty": _("Propiedad de correlación"),
        "dataObject": _("Objeto de datos"), "dataObjectReference": _("Referencia a datos"),
        "textAnnotation": _("Anotación"), "association": _("Asociación"),
    }
    return labels.get(kind, kind)


def group_label(group: str) -> str:
    return {"forms": _("Formularios"), "decisions": _("Decisiones (DMN)"), "templates": _("Plantillas"),
            "other": _("Otros archivos")}[group]


@dataclass
class CaseRow:
    """A real case running on one of the two versions."""

    instance: Instance
    tasks: list[str]
    #: Why migrating it to the newer version would be refused (empty: it can move).
    refusals: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return _(assembly.STATUS_LABELS.get(self.instance.status, self.instance.status))


@bp.get("/<key>/diferencias")
@roles_required("analyst")
def show(key: str) -> ResponseReturnValue:
    """The two versions side by side: the diagram diff, the files, the cases on each."""
    every = deployments.versions(key)
    if not every:
        return web.error_page(404, _("No hay ningún proceso desplegado con la clave «%(key)s».", key=key))
    target = _number("a", every[0].version)
    return _page(key, every, _number("de", target - 1 if target > 1 else target), target)


def _page(key: str, every: list[Deployment], source: int, target: int,
          results: list[Result] | None = None) -> ResponseReturnValue:
    old, new = deployments.version(key, source), deployments.version(key, target)
    changes = diff.compare(old, new)
    files = {f.name: f.content for f in new.files}
    shown = diff.main_bpmn(files, key)
    old_files = {f.name: f.content for f in old.files}
    old_shown = diff.main_bpmn(old_files, key)
    removed = [e for e in changes.removed if e.file == old_shown]
    return render_template(
        "worklists/studio/version_diff.html", key=key, old=old, new=new, versions=every, changes=changes,
        shown=shown, xml=files[shown].decode("utf-8", errors="replace") if shown else "",
        marks=_marks(changes, shown), old_shown=old_shown if removed else None,
        old_xml=old_files[old_shown].decode("utf-8", errors="replace") if old_shown and removed else "",
        removed_ids=json.dumps([e.id for e in removed]), kind_label=kind_label, group_label=group_label,
        groups=diff.GROUPS,
        old_cases=_cases(old, new if new.version > old.version else None),
        new_cases=_cases(new, None) if new.id != old.id else [],
        may_migrate=new.version > old.version, max_cases=MAX_CASES, local=web.local, results=results)


@bp.post("/<key>/diferencias/migrar")
@roles_required("analyst")
def migrate(key: str) -> ResponseReturnValue:
    """Migrate each checked case to version ``a``: every case in its own transaction, reported on its own.

    The report is part of the page the POST answers (not flashed: a long batch would not fit in
    the session cookie).
    """
    target = _number("a", 0)
    source = _number("de", 0)
    deployments.version(key, target)  # a 404 for a procedure or version that does not exist
    chosen = list(dict.fromkeys(request.form.getlist("caso")))[:MAX_CASES]
    if not chosen:
        flash(_("Marque al menos un expediente para migrar."), "error")
        return redirect(url_for("version_diff.show", key=key, de=source, a=target), 303)
    person = web.user()
    results = [_migrate_one(key, instance_id, target, person.username) for instance_id in chosen]
    return _page(key, deployments.versions(key), source, target, results)


@dataclass(frozen=True)
class Result:
    """How the migration of one checked case went, in words."""

    ok: bool
    message: str


def _migrate_one(key: str, instance_id: str, target: int, actor: str) -> Result:
    instance = db.session.get(Instance, instance_id)
    if instance is None or instance.process_key != key or instance.is_test:
        return Result(False, _("Un expediente marcado no es de este trámite; no se migró."))
    number = instance.number
    if instance.version >= target:  # the page moves cases forward only
        return Result(False, _("Expediente %(number)s: no se migró. Ya está en la versión %(version)s, que no es "
                               "anterior a la %(target)s.", number=number, version=instance.version, target=target))
    try:
        with web.transaction() as ctx:
            migration.migrate(ctx, instance_id, target, actor)
    except EngineError as e:
        reasons = " ".join(str(r.get("message", "")) for r in e.errors)
        return Result(False, _("Expediente %(number)s: no se migró. %(why)s", number=number,
                               why=f"{e.message} {reasons}".strip()))
    except StaleDataError:
        return Result(False, _("Expediente %(number)s: no se migró. %(why)s", number=number, why=web.STALE))
    return Result(True, _("Expediente %(number)s: migrado a la versión %(version)s.", number=number, version=target))


def _number(name: str, default: int) -> int:
    raw = request.values.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        return -1  # deployments.version answers 404 for it, in Spanish


def _marks(changes: diff.VersionDiff, shown: str | None) -> dict[str, str]:
    """JSON lists of the element ids to mark on the diagram shown."""
    def ids(elements: list[diff.ElementInfo]) -> str:
        return json.dumps([e.id for e in elements if e.file == shown])

    return {"added": ids(changes.added), "changed": ids(changes.changed)}


def _cases(deployment: Deployment, target: Deployment | None) -> list[CaseRow]:
    """The real, unfinished cases of a version, oldest first; with ``target``, why each would not move."""
    found = list(db.session.scalars(
        select(Instance).where(Instance.deployment_id == deployment.id, real_instances(),
                               Instance.status.not_in(FINISHED))
        .order_by(Instance.created_at, Instance.number).limit(MAX_CASES)))
    tasks: dict[str, list[str]] = {}
    if found:
        for task in db.session.scalars(select(Task).where(Task.instance_id.in_([i.id for i in found]),
                                                          Task.status == "ready").order_by(Task.created_at)):
            tasks.setdefault(task.instance_id, []).append(task.name)
    rows = []
    for instance in found:
        refusals: list[str] = []
        if target is not None:
            refusals = migration.unmapped_tasks(instance.state, target)
        rows.append(CaseRow(instance, tasks.get(instance.id, []), refusals))
    return rows
