"""Who may see a case: the owner, staff of groups that worked on it, auditors; nobody else."""

from __future__ import annotations

import pytest
from flask import Flask

from engine.casefile import access
from engine.errors import NotFound
from engine.identity.accounts import User, ensure_user
from engine.models import Instance
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient


def _person(name: str, *, roles: tuple[str, ...] = ("staff",), groups: tuple[str, ...] = ()) -> User:
    user, _created = ensure_user(name, display_name=name, password="x-clave-de-prueba", roles=roles, groups=groups)
    return user


@pytest.fixture
def case(api: ApiClient) -> dict[str, str]:
    assert api.deploy("simple").status_code == 201
    started = api.start("tramite_simple", {"solicitante": "María"}).get_json()
    return {"id": started["id"], "number": started["number"]}


def test_the_rule_for_each_kind_of_person(app: Flask, case: dict[str, str]) -> None:
    with app.app_context(), unit_of_work():
        instance = access.visible_case(case["id"], _person("api:pruebas", roles=("citizen",)))
        people = {
            "owner": _person("api:pruebas"),
            "staff of the task's group": _person("mesa1", groups=("mesa_entradas",)),
            "auditor": _person("auditora", roles=("auditor",)),
            "admin": _person("jefa", roles=("admin",)),
            "another citizen": _person("vecino", roles=("citizen",)),
            "staff of another group": _person("obras1", groups=("obras_publicas",)),
            "analyst": _person("analista1", roles=("analyst",)),
        }
        seen = {who: access.may_see(instance, user) for who, user in people.items()}
    assert seen == {"owner": True, "staff of the task's group": True, "auditor": True, "admin": True,
                    "another citizen": False, "staff of another group": False, "analyst": False}
    assert access.may_see(instance, None) is False


def test_someone_who_once_held_a_task_keeps_seeing_the_case(app: Flask, api: ApiClient,
                                                            case: dict[str, str]) -> None:
    task = api.ready_task(case["id"], "revisar")
    with app.app_context(), unit_of_work():
        from engine.db import db
        from engine.models import Task

        db.session.get(Task, task["id"]).assignee = "prestado"  # lent by another group for this case
        borrowed = _person("prestado", groups=("obras_publicas",))
        assert access.may_see(db.session.get(Instance, case["id"]), borrowed)


def test_an_inactive_account_sees_nothing(app: Flask, case: dict[str, str]) -> None:
    with app.app_context(), unit_of_work():
        owner = _person("api:pruebas", roles=("citizen",))
        owner.active = False
        with pytest.raises(NotFound):
            access.visible_case(case["id"], owner)


def test_a_stranger_and_a_missing_case_get_the_same_answer(app: Flask, case: dict[str, str]) -> None:
    with app.app_context(), unit_of_work():
        stranger = _person("vecino", roles=("citizen",))
        errors = []
        for lookup in (lambda: access.visible_case(case["id"], stranger),
                       lambda: access.visible_case("no-existe", stranger),
                       lambda: access.visible_case_by_number(case["number"], stranger),
                       lambda: access.visible_case_by_number("EX-0000-000000", stranger)):
            with pytest.raises(NotFound) as raised:
                lookup()
            errors.append(str(raised.value))
    assert len(set(errors)) == 1


def test_auditors_are_read_only_unless_they_also_work_cases(app: Flask) -> None:
    with app.app_context(), unit_of_work():
        assert access.read_only(_person("auditora", roles=("auditor",)))
        assert not access.read_only(_person("auditora_y_mesa", roles=("auditor", "staff")))
        assert not access.read_only(_person("mesa2", roles=("staff",)))
