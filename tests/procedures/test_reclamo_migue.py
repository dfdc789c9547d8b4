"""Migue answers «¿cómo va mi reclamo?» with a tracking code: the case's number and its tracking page."""

from __future__ import annotations

from engine.casefile import tracking
from engine.uow import unit_of_work
from engine.workflow import instances
from tests.assistant.helpers import ask
from tests.procedures.conftest import Platform
from tests.procedures.test_reclamo import reclamo


def test_a_tracking_code_in_the_question_leads_to_the_case_and_nothing_of_the_person(platform: Platform) -> None:
    platform.deploy("reclamo")
    case = platform.start("reclamo", reclamo(anonimo=True))
    with platform.app.app_context(), unit_of_work():
        code = tracking.tracking_code(instances.get(case.id))
        number = instances.get(case.id).number
    client = platform.app.test_client()
    html = ask(client, f"Hola, ¿cómo va mi reclamo {code.lower()}?").get_data(as_text=True)
    compact = tracking.normalize(code)
    assert number in html and f'href="/seguimiento/{compact}"' in html
    assert client.get(f"/seguimiento/{compact}").status_code == 200
    # the code alone, as people paste it, is enough
    assert number in ask(client, code).get_data(as_text=True)
