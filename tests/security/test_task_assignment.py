"""A task goes only to staff who may hold it: a ``tasks`` token cannot hand a group's task (and
with it the case and its documents) to a citizen, to a name nobody has, or to another group."""

from __future__ import annotations

import pytest

from tests.fixtures.engine import ApiClient, make_token
from tests.worklists.helpers import Staffed


@pytest.fixture
def tasks_api(staff: Staffed) -> ApiClient:
    return ApiClient(staff.app, make_token(staff.app, "integracion", "tasks"))


@pytest.mark.parametrize("assignee", ["ciudadana", "nadie-con-ese-nombre", "otro", "auditor"])
def test_a_tasks_token_cannot_assign_to_anyone_but_the_groups_staff(staff: Staffed, tasks_api: ApiClient,
                                                                    assignee: str) -> None:
    number = staff.start(1)[0]
    task = staff.task_of(number)
    refused = tasks_api.post(f"/api/v1/tasks/{task.id}/assign", json={"assignee": assignee})
    assert refused.status_code == 422, refused.get_json()
    assert "no puede tener esta tarea" in refused.get_json()["detail"]
    assert staff.task_of(number).assignee is None


def test_a_tasks_token_assigns_to_a_colleague_of_the_group(staff: Staffed, tasks_api: ApiClient) -> None:
    number = staff.start(1)[0]
    task = staff.task_of(number)
    assigned = tasks_api.post(f"/api/v1/tasks/{task.id}/assign", json={"assignee": "colega"})
    assert assigned.status_code == 200, assigned.get_json()
    assert staff.task_of(number).assignee == "colega"
