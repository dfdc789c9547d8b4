"""The case search (``/bandeja/expedientes/``): auditors, supervisors and administrators find cases.

A GET form, so a search is a link to share. Each result opens the read-only case view; the
search finds only what that view would show the person (``worklists.queries.case_search``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.identity.access import roles_required
from worklists import web
from worklists.queries import case_search, inbox
from worklists.queries.case_search import STATES, CaseQuery

bp = Blueprint("case_search", __name__, url_prefix="/bandeja/expedientes", template_folder="templates")
web.install_errors(bp)
MAX_TEXT = 100


def _state_labels() -> dict[str, str]:
    return {"en_tramite": _("En trámite"), "con_incidente": _("Con incidente"), "suspendido": _("Suspendido"),
            "finalizado": _("Finalizado"), "terminado": _("Terminado")}


def _status_labels() -> dict[str, str]:
    return {"running": _("En trámite"), "waiting": _("En espera"), "error": _("Con incidente"),
            "suspended": _("Suspendido"), "completed": _("Finalizado"), "terminated": _("Terminado")}


def _day(args: MultiDict[str, str], name: str, problems: dict[str, str]) -> date | None:
    text = args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems[name] = _("La fecha no es válida: elíjala en el calendario o escríbala como AAAA-MM-DD.")
        return None


def read_query(args: MultiDict[str, str]) -> tuple[CaseQuery, dict[str, str]]:
    """The search asked for, and a Spanish message per field that could not be read."""
    problems: dict[str, str] = {}
    since, until = _day(args, "desde", problems), _day(args, "hasta", problems)
    if since and until and since > until:
        problems["hasta"] = _("La fecha «hasta» debe ser igual o posterior a «desde».")
    state = args.get("estado", "")
    page = args.get("pagina", "")
    query = CaseQuery(number=args.get("numero", "")[:MAX_TEXT], procedure=args.get("tramite", "")[:MAX_TEXT],
                      person=args.get("persona", "")[:MAX_TEXT], since=since, until=until,
                      state=state if state in STATES else "", page=int(page) if page.isdigit() else 1)
    return query.at_page(query.page), problems


def _args_of(query: CaseQuery) -> dict[str, Any]:
    """The search as URL arguments (for the pages' links)."""
    found = {"numero": query.number, "tramite": query.procedure, "persona": query.person, "estado": query.state,
             "desde": query.since.isoformat() if query.since else "",
             "hasta": query.until.isoformat() if query.until else ""}
    return {k: v for k, v in found.items() if v}


@bp.get("/")
@roles_required("auditor", "supervisor")
def index() -> ResponseReturnValue:
    """The search form and one page of the cases it finds (none until a date is wrong)."""
    query, problems = read_query(request.args)
    results = None if problems else case_search.page(query, web.user(), web.zone())
    return render_template("worklists/case_search.html", query=query, problems=problems, results=results,
                           args=_args_of(query), procedures=inbox.procedures(), states=_state_labels(),
                           status_labels=_status_labels(), local_time=web.local), 400 if problems else 200
