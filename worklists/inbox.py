"""The inboxes (``/bandeja``): each group's open tasks and "Mis tareas"; claim, release, assign.

One form holds the whole table: a row's own button posts to the task's verb
(``/bandeja/tareas/<id>/tomar``), a bulk button to the verb with the checked boxes
(``/bandeja/tomar``); each answers with a redirect back to the list (with htmx the same
answer swaps only the results). Every action works without JavaScript.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.identity.access import roles_required
from engine.identity.accounts import User
from engine.workflow import human_tasks
from worklists import web, wording
from worklists.queries import inbox
from worklists.queries.inbox import MINE, InboxQuery

bp = Blueprint("inbox", __name__, url_prefix="/bandeja", template_folder="templates")
web.install_errors(bp)
bp.add_app_template_filter(wording.priority_text, "prioridad")
STAFF = ("staff", "supervisor")
CLAIM, RELEASE, ASSIGN = "claim", "release", "assign"
MAX_CHECKED = 200  # one page of the inbox at most
OLD_PRIORITY = re.compile(r"-?[0-9]{1,6}")


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
                           me=person.username, args=_args_of(query), local_time=web.local,
                           priorities=wording.priority_choices())


def read_query(args: MultiDict[str, str], boxes: list[str]) -> tuple[InboxQuery, dict[str, str]]:
    """The inbox asked for; a malformed filter is dropped with a message for its field."""
    problems: dict[str, str] = {}
    box = args.get("bandeja") or (boxes[0] if boxes else MINE)
    if box != MINE and box not in boxes:
        box = MINE
    due_before = _date(args.get("vence_antes", ""), problems)
    priority = _priority(args.get("prioridad", ""), problems)
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


def _priority(text: str, problems: dict[str, str]) -> int | None:
    """A minimum priority by its word (``alta``) or, as links made before the words had it, a number."""
    word = text.strip().lower()
    if word in wording.PRIORITY_LEVELS:
        return wording.PRIORITY_LEVELS[word]
    if OLD_PRIORITY.fullmatch(word):
        return int(word)
    if word:
        problems["prioridad"] = _("Elija una prioridad de la lista.")
    return None


def _args_of(query: InboxQuery) -> dict[str, Any]:
    """The query as URL arguments (for pagination links and the return path of actions)."""
    found: dict[str, Any] = {"bandeja": query.box, "tramite": query.procedure, "estado": query.state,
                             "vence_antes": query.due_before.date().isoformat() if query.due_before else "",
                             "vencidas": "1" if query.overdue else "", "q": query.text, "orden": query.sort,
                             "desc": "1" if query.descending else "",
                             "prioridad": "" if query.priority is None else wording.priority_key(query.priority)}
    return {k: v for k, v in found.items() if v}


@bp.post("/tomar")
@roles_required(*STAFF)
def claim() -> ResponseReturnValue:
    """Take the checked tasks."""
    return _act(CLAIM, _checked())


@bp.post("/liberar")
@roles_required(*STAFF)
def release() -> ResponseReturnValue:
    """Give back the checked tasks to their group."""
    return _act(RELEASE, _checked())


@bp.post("/asignar")
@roles_required(*STAFF)
def assign() -> ResponseReturnValue:
    """Give the checked tasks to a person of their group (supervisors)."""
    return _act(ASSIGN, _checked())


@bp.post("/tareas/<task_id>/tomar")
@roles_required(*STAFF)
def claim_one(task_id: str) -> ResponseReturnValue:
    """Take one task (a row's button, the task page, the case view)."""
    return _act(CLAIM, [task_id])


@bp.post("/tareas/<task_id>/liberar")
@roles_required(*STAFF)
def release_one(task_id: str) -> ResponseReturnValue:
    """Give one task back to its group."""
    return _act(RELEASE, [task_id])


def _checked() -> list[str]:
    return [t for t in request.form.getlist("tareas") if t][:MAX_CHECKED]


def _act(verb: str, task_ids: list[str]) -> ResponseReturnValue:
    """Apply the verb to each task, then go back to the page that asked (with a message per outcome)."""
    back = web.safe_back(request.form.get("volver"), url_for("inbox.index"))
    if not task_ids:
        flash(_("Marque al menos una tarea."), "error")
        return redirect(back, 303)
    actor = web.actor_of(web.user())
    assignee = request.form.get("persona", "")
    if verb == ASSIGN and not assignee:
        flash(_("Elija a quién asignar las tareas."), "error")
        return redirect(back, 303)
    with web.transaction():
        outcomes = human_tasks.bulk(task_ids, _use_case(verb, actor, assignee))
    _report(verb, outcomes, assignee)
    return redirect(back, 303)


def _use_case(verb: str, actor: human_tasks.Actor, assignee: str) -> Any:
    if verb == CLAIM:
        return lambda task_id: human_tasks.claim(task_id, actor)
    if verb == RELEASE:
        return lambda task_id: human_tasks.unclaim(task_id, actor)
    return lambda task_id: human_tasks.assign_to_colleague(task_id, assignee, actor)


def _report(verb: str, outcomes: list[human_tasks.Outcome], assignee: str) -> None:
    done = sum(1 for o in outcomes if o.error is None)
    if done and verb == CLAIM:
        flash(_("Tareas tomadas: %(n)s.", n=done), "ok")
    elif done and verb == RELEASE:
        flash(_("Tareas liberadas: %(n)s.", n=done), "ok")
    elif done:
        flash(_("Tareas asignadas a %(who)s: %(n)s.", who=assignee, n=done), "ok")
    for message in sorted({o.error for o in outcomes if o.error}):
        flash(message, "error")

