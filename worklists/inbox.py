"""The inboxes (``/bandeja``): each group's open tasks and "Mis tareas"; claim, release, assign.

One form holds the whole table: a row's own button (``tomar:<id>``) or the checked boxes
with a bulk button post to :func:`act`, which answers with a redirect back to the list
(with htmx the same answer swaps only the results). Every action works without JavaScript.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.identity.access import roles_required
from engine.identity.accounts import User
from engine.workflow import human_tasks
from worklists import web
from worklists.queries import inbox
from worklists.queries.inbox import MINE, InboxQuery

bp = Blueprint("inbox", __name__, url_prefix="/bandeja", template_folder="templates")
web.install_errors(bp)
STAFF = ("staff", "supervisor")


def boxes_of(person: User) -> list[str]:
    """The groups whose inbox the person sees (an administrator: every group with work)."""
    groups = set(person.group_names)
    if "admin" in person.role_set:
        groups |= set(inbox.groups_with_open_tasks())
    return sorted(groups)


@bp.get("/")
@roles_required(*STAFF)
def index() -> ResponseReturnValue:
    """An inbox with its filters, one page of tasks and the counts of every box."""
    person = web.user()
    boxes = boxes_of(person)
    query, problems = read_query(request.args, boxes)
    now = web.now()
    page = inbox.page(query, person.username, now)
    group = None if query.box == MINE else query.box
    colleagues = human_tasks.colleagues(group) if group and web.is_supervisor(person) else []
    return render_template("worklists/inbox.html", query=query, page=page, boxes=boxes, problems=problems,
                           counts=inbox.counts(boxes, person.username), now=now, colleagues=colleagues,
                           procedures=inbox.procedures(), supervisor=web.is_supervisor(person),
                           me=person.username, args=_args_of(query), local_time=web.local)


def read_query(args: MultiDict[str, str], boxes: list[str]) -> tuple[InboxQuery, dict[str, str]]:
    """The inbox asked for; a malformed filter is dropped with a message for its field."""
    problems: dict[str, str] = {}
    box = args.get("bandeja") or (boxes[0] if boxes else MINE)
    if box != MINE and box not in boxes:
        box = MINE
    due_before = _date(args.get("vence_antes", ""), problems)
    priority = _int(args.get("prioridad", ""), "prioridad", problems)
    page = _int(args.get("pagina", ""), "pagina", problems) or 1
    state = args.get("estado", "")
    sort = args.get("orden", "vencimiento")
    query = InboxQuery(box=box, procedure=args.get("tramite", ""), state=state if state in inbox.STATES else "",
                       due_before=due_before, overdue=args.get("vencidas") == "1", priority=priority,
                       text=args.get("q", "")[:100], sort=sort if sort in inbox.SORTS else "vencimiento",
                       descending=args.get("desc") == "1", page=max(1, page))
    return query, problems


def _date(text: str, problems: dict[str, str]) -> datetime | None:
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        problems["vence_antes"] = _("Escriba la fecha como AAAA-MM-DD.")
        return None
    return datetime.combine(day.date(), time(0, 0), tzinfo=web.zone())


def _int(text: str, name: str, problems: dict[str, str]) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        problems[name] = _("Escriba un número entero.")
        return None


def _args_of(query: InboxQuery) -> dict[str, Any]:
    """The query as URL arguments (for pagination links and the return path of actions)."""
    found: dict[str, Any] = {"bandeja": query.box, "tramite": query.procedure, "estado": query.state,
                             "vence_antes": query.due_before.date().isoformat() if query.due_before else "",
                             "vencidas": "1" if query.overdue else "", "q": query.text, "orden": query.sort,
                             "desc": "1" if query.descending else "",
                             "prioridad": "" if query.priority is None else str(query.priority)}
    return {k: v for k, v in found.items() if v}


@bp.post("/acciones")
@roles_required(*STAFF)
def act() -> ResponseReturnValue:
    """Claim, release or assign one task (a row's button) or the checked ones (bulk)."""
    back = web.safe_back(request.form.get("volver"), url_for("inbox.index"))
    action, task_ids = _requested(request.form)
    if action not in ("tomar", "liberar", "asignar"):
        flash(_("Elija una acción."), "error")
        return redirect(back, 303)
    if not task_ids:
        flash(_("Marque al menos una tarea."), "error")
        return redirect(back, 303)
    person = web.user()
    actor = web.actor_of(person)
    assignee = request.form.get("persona", "")
    if action == "asignar" and not assignee:
        flash(_("Elija a quién asignar las tareas."), "error")
        return redirect(back, 303)
    with web.transaction():
        outcomes = human_tasks.bulk(task_ids, _use_case(action, actor, assignee))
    _report(action, outcomes, assignee)
    return redirect(back, 303)


def _requested(form: MultiDict[str, str]) -> tuple[str, list[str]]:
    """``("tomar", [id])`` from a row's button, or the bulk action with the checked tasks."""
    action = form.get("accion", "")
    if ":" in action:
        verb, task_id = action.split(":", 1)
        return verb, [task_id] if task_id else []
    return action, [t for t in form.getlist("tareas") if t][:200]


def _use_case(action: str, actor: human_tasks.Actor, assignee: str) -> Any:
    if action == "tomar":
        return lambda task_id: human_tasks.claim(task_id, actor)
    if action == "liberar":
        return lambda task_id: human_tasks.unclaim(task_id, actor)
    return lambda task_id: human_tasks.assign_to_colleague(task_id, assignee, actor)


def _report(action: str, outcomes: list[human_tasks.Outcome], assignee: str) -> None:
    done = sum(1 for o in outcomes if o.error is None)
    if done and action == "tomar":
        flash(_("Tareas tomadas: %(n)s.", n=done), "ok")
    elif done and action == "liberar":
        flash(_("Tareas liberadas: %(n)s.", n=done), "ok")
    elif done:
        flash(_("Tareas asignadas a %(who)s: %(n)s.", who=assignee, n=done), "ok")
    for message in sorted({o.error for o in outcomes if o.error}):
        flash(message, "error")

