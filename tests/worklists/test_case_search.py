"""Issue 19, point 8: the case search of auditors, supervisors and administrators."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.db import db
from engine.identity.accounts import User, ensure_user
from engine.models import Instance
from engine.uow import unit_of_work
from tests.fixtures.identity import password_of
from tests.worklists.helpers import Staffed
from worklists.queries.case_search import CaseQuery, page


def _prepare(staff: Staffed) -> dict[str, str]:
    """Three cases told apart by every criterion: whose, when, in what state, of which procedure."""
    first, second, third = staff.start(3)
    with staff.app.app_context(), unit_of_work():
        citizen = db.session.scalar(select(User).where(User.username == "ciudadana"))
        assert citizen is not None
        citizen.display_name, citizen.dni = "María Fernández", "30111222"
        rows = {i.number: i for i in db.session.scalars(select(Instance))}
        rows[first].started_by, rows[first].status = "ciudadana", "completed"
        rows[first].created_at = datetime(2026, 1, 10, 15, tzinfo=UTC)
        rows[second].created_at = datetime(2026, 3, 5, 15, tzinfo=UTC)
        rows[third].created_at = datetime(2026, 5, 20, 15, tzinfo=UTC)
        rows[third].process_key = "otro_tramite"
        ensure_user("jefa", display_name="Jefa Inspección", password=password_of("jefa"),
                    roles=("staff", "supervisor"), groups=("inspeccion",))
    return {"first": first, "second": second, "third": third}


def _found(html: str) -> set[str]:
    return set(re.findall(r'<a href="/bandeja/expedientes/([^"/]+)">', html))


def test_each_criterion_finds_its_cases_and_no_other(staff: Staffed) -> None:
    cases = _prepare(staff)
    first, second, third = cases["first"], cases["second"], cases["third"]
    auditor = staff.web("auditor").client
    searches = {
        f"numero={first.lower()}": {first},
        "tramite=otro_tramite": {third},
        "persona=30111222": {first},
        "persona=fern%C3%A1ndez": {first},
        "persona=ciudadana%40example.com": {first},
        "desde=2026-03-01&hasta=2026-03-31": {second},
        "hasta=2026-01-10": {first},
        "desde=2026-05-20": {third},
        "estado=finalizado": {first},
        "estado=en_tramite": {second, third},
        "": {first, second, third},
    }
    for args, expected in searches.items():
        response = auditor.get(f"/bandeja/expedientes/?{args}")
        assert response.status_code == 200, args
        assert _found(response.get_data(as_text=True)) == expected, args


def test_a_wrong_date_is_a_spanish_400_next_to_its_field(staff: Staffed) -> None:
    auditor = staff.web("auditor").client
    for args in ("desde=2026-02-30", "desde=2026-03-10&hasta=2026-03-01"):
        response = auditor.get(f"/bandeja/expedientes/?{args}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, args
        assert 'aria-invalid="true"' in html and "fecha" in html and "Resultados" not in html


def test_a_supervisor_finds_only_the_cases_of_their_groups(staff: Staffed) -> None:
    cases = _prepare(staff)
    assert _found(staff.web("supervisora").client.get("/bandeja/expedientes/").get_data(as_text=True)) == \
        set(cases.values())
    assert _found(staff.web("jefa").client.get("/bandeja/expedientes/").get_data(as_text=True)) == set()
    assert staff.web("mesa").client.get("/bandeja/expedientes/").status_code == 403


def test_results_come_in_pages_newest_first(staff: Staffed) -> None:
    cases = _prepare(staff)
    with staff.app.app_context():
        auditor = db.session.scalar(select(User).where(User.username == "auditor"))
        assert auditor is not None
        zone = ZoneInfo("America/Argentina/Tucuman")
        one, two = page(CaseQuery(per_page=2), auditor, zone), page(CaseQuery(per_page=2, page=2), auditor, zone)
    assert [r.number for r in one.rows] == [cases["third"], cases["second"]] and one.has_next
    assert [r.number for r in two.rows] == [cases["first"]] and not two.has_next
    html = staff.web("auditor").client.get("/bandeja/expedientes/?estado=en_tramite&pagina=1").get_data(as_text=True)
    assert "rel=\"next\"" not in html
