"""Atención al Vecino answers a WhatsApp conversation from the task page in Chromium: the panel with the
transcript loads, axe-core finds nothing, the page fits 390 px and the reply reaches the phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.cx_cloud_api import CloudApiStandIn
from tests.procedures.conftest import Platform
from tests.procedures.test_reclamo_whatsapp import PHONE, replies_after, said, whatsapp, write

__all__ = ["whatsapp"]  # the fixture, shared


@pytest.fixture
def attended(whatsapp: tuple[Platform, CloudApiStandIn]) -> Iterator[tuple[Platform, CloudApiStandIn, str]]:
    platform, stand_in = whatsapp
    write(stand_in, "text", {"body": "Hola, la vereda de mi casa está rota"})
    write(stand_in, "text", {"body": "Quiero hablar con una persona"})
    [item] = platform.api.get("/api/v1/instances?process_key=atencion_whatsapp").get_json()["items"]
    [task] = [t for t in platform.api.instance(item["id"])["tasks"] if t["element_id"] == "atender"]
    platform.seed_demo_users("atencion")
    yield platform, stand_in, task["id"]


@pytest.mark.browser
def test_staff_answer_from_the_task_page_with_the_transcript(attended: tuple[Platform, CloudApiStandIn, str],
                                                             browser: Any) -> None:
    platform, stand_in, task_id = attended
    person = platform.person(browser, "atencion")
    person.page.set_viewport_size({"width": 390, "height": 844})
    person.go(f"/bandeja/tareas/{task_id}")
    panel = person.page.locator("section.conversacion")
    panel.wait_for()
    assert "la vereda de mi casa está rota" in panel.inner_text()
    person.check()
    assert person.page.evaluate("document.documentElement.scrollWidth") <= 390
    before = len(stand_in.sent())

    def fill(page: Any) -> None:
        page.fill("textarea[name='$/respuesta']", "Mañana pasa una cuadrilla a revisar la vereda.")

    person.complete_task(task_id, fill)
    [reply] = replies_after(stand_in, before)
    assert reply["to"] == PHONE and said(reply) == "Mañana pasa una cuadrilla a revisar la vereda."
    person.context.close()
