"""Issue #16, hole 2 (medium): concurrent claims of one task all won.

Eight integrations claimed the same task at once (``POST /api/v1/tasks/{id}/claim``, each
with its own token): several got 200, each wrote ``task_claimed``, and the last writer stayed
assignee. Exactly one claim may win; the others get 409 with a Spanish message. The staff
inboxes claim through the same use case and must refuse the losers too.

Each racer is its own test client (its own request, app context and database session), lined
up on a barrier so that the claims really overlap.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from engine.db import db
from engine.identity.accounts import ensure_user
from engine.models import AuditEvent, Task
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient
from tests.fixtures.identity import csrf_in, password_of
from tests.fixtures.timing import in_parallel
from tests.worklists.helpers import GROUP, Staffed, text_of

RACERS = 8


def _claims_recorded(app: Flask, task_id: str) -> tuple[int, str | None]:
    """How many ``task_claimed`` events the task has, and its stored assignee."""
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.type == "task_claimed", AuditEvent.task_id == task_id))
        assignee = db.session.scalar(select(Task.assignee).where(Task.id == task_id))
        db.session.remove()
    return int(count or 0), assignee


def test_concurrent_api_claims_of_one_task_exactly_one_wins(
        app: Flask, api: ApiClient, api_with: Callable[..., ApiClient]) -> None:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    task = api.ready_task(started["id"], "revisar")
    clients = [api_with(app, "tasks", name=f"integracion-{i}") for i in range(RACERS)]

    responses = in_parallel(RACERS, lambda i: clients[i].post(f"/api/v1/tasks/{task['id']}/claim"))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (RACERS - 1), [r.get_json() for r in responses]
    (winner,) = [i for i, r in enumerate(responses) if r.status_code == 200]
    for lost in (r for r in responses if r.status_code == 409):
        assert lost.mimetype == "application/problem+json"
        assert lost.get_json()["detail"] == f"La tarea ya fue tomada por api:integracion-{winner}."
    assert _claims_recorded(app, task["id"]) == (1, f"api:integracion-{winner}")


def test_concurrent_inbox_claims_of_one_task_exactly_one_wins(staff: Staffed) -> None:
    people = [f"colega{i}" for i in range(RACERS)]
    with staff.app.app_context(), unit_of_work():
        for name in people:
            ensure_user(name, display_name=name, password=password_of(name), roles=("staff",), groups=(GROUP,))
    task_id = staff.task_of(staff.start(1)[0]).id
    webs = [staff.web(name) for name in people]
    tokens = [csrf_in(w.client.get("/bandeja/").get_data(as_text=True)) for w in webs]

    responses = in_parallel(RACERS, lambda i: webs[i].client.post(
        f"/bandeja/tareas/{task_id}/tomar", data={"csrf_token": tokens[i], "volver": "/bandeja/"}))

    assert [r.status_code for r in responses] == [303] * RACERS
    count, assignee = _claims_recorded(staff.app, task_id)
    assert count == 1 and assignee in people
    pages = {name: text_of(w.client.get("/bandeja/")) for name, w in zip(people, webs, strict=True)}
    assert "Tareas tomadas: 1." in pages.pop(assignee)
    for page in pages.values():
        assert f"La tarea ya fue tomada por {assignee}." in page and "Tareas tomadas" not in page
