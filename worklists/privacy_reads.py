"""«Lecturas de datos sensibles» (``/auditoria/lecturas``): who read which sensitive field of
which case, where and when (Ley 25.326), for auditors; the same list as CSV.

The rows are written by the staff views that show a case's data (the case view, the task page,
the case file PDF: :func:`engine.privacy.reads.record_case_view`); lists and exports never show sensitive values.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.identity.access import roles_required
from engine.privacy import reads
from engine.privacy.reads import ReadFilter
from worklists import spreadsheet, web

bp = Blueprint("privacy_reads", __name__, url_prefix="/auditoria/lecturas", template_folder="templates")
web.install_errors(bp)
MAX_TEXT = 300


def read_filter(args: MultiDict[str, str]) -> tuple[ReadFilter, dict[str, str]]:
    """The filter asked for, and a Spanish message per date that could not be read."""
    problems: dict[str, str] = {}
    since, until = _day(args, "desde", problems), _day(args, "hasta", problems)
    return ReadFilter(reader=args.get("lector", "").strip()[:MAX_TEXT],
                      case_number=args.get("expediente", "").strip()[:MAX_TEXT],
                      field=args.get("campo", "").strip()[:MAX_TEXT],
                      since=since, until=until + timedelta(days=1) if until else None), problems


def _day(args: MultiDict[str, str], name: str, problems: dict[str, str]) -> datetime | None:
    text = args.get(name, "").strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        problems[name] = _("La fecha no es válida: elíjala en el calendario o escríbala como AAAA-MM-DD.")
        return None
    return datetime.combine(day, time(), web.zone())


@bp.get("/")
@roles_required("auditor")
def index() -> ResponseReturnValue:
    """The reads matching the filter, newest first (the latest 500)."""
    where, problems = read_filter(request.args)
    rows = [] if problems else reads.reads(where)
    return render_template("worklists/privacy_reads.html", rows=rows, problems=problems, args=request.args,
                           views=reads.VIEWS, local_time=web.local), 400 if problems else 200


@bp.get("/lecturas.csv")
@roles_required("auditor")
def export() -> ResponseReturnValue:
    """Every read matching the filter, as a spreadsheet."""
    where, problems = read_filter(request.args)
    if problems:
        return web.error_page(400, next(iter(problems.values())))
    header = [_("Fecha y hora"), _("Quién leyó"), _("Expediente"), _("Campo"), _("Dónde")]
    rows = [[web.local(r.at), r.reader, r.case_number, r.field, reads.VIEWS.get(r.view, r.view)]
            for r in reads.reads(where, limit=None)]
    return spreadsheet.csv_response("lecturas-datos-sensibles.csv", header, rows)
