"""Issue #16, B (medium): stored HTML through analysts' instructions.

``instructionsForEndUser`` was inserted as raw HTML: a ``<div hx-post=… hx-trigger="load">`` made
every member of staff who opened the task post a comment as themselves (htmx and csrf.js added
the token). The analyst's HTML now passes an allow-list: formatting and plain links only.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from flask import Flask

from bounds.html import sanitize
from engine.workflow.instructions import render
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, password_of
from tests.portal.helpers import BUNDLE, KEY, start_case

COMMENT = "/bandeja/expedientes/comentar"
ATTACK = (f'<div hx-post="{COMMENT}" hx-trigger="load" hx-vals=\'{{"expediente": "{{{{ numero }}}}", '
          f'"texto": "aprobado"}}\'>Revise la solicitud.</div>'
          f'<form method="post" action="{COMMENT}"><input name="texto" value="ok"><button>Enviar</button></form>'
          '<img src="x" onerror="fetch(\'/bandeja/\')"><script>alert(1)</script>')
FORMATTING = ('<p><strong>Importante:</strong> traiga <em>original</em> y copia.</p>'
              '<ul><li>DNI</li><li>Plano</li></ul><a href="https://smt.gob.ar/guia">Guía de trámites</a>')
KEPT = ["<strong>Importante:</strong>", "<em>original</em>", "<ul><li>DNI</li><li>Plano</li></ul>",
        '<a href="https://smt.gob.ar/guia" rel="noopener noreferrer">Guía de trámites</a>']


class _Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_attack_disarmed(html: str) -> None:
    for tag, attrs in _Tags(html).tags:
        assert not any(name.startswith("hx-") and COMMENT in (v or "") for name, v in attrs.items()), (tag, attrs)
        assert not (tag == "form" and attrs.get("action") == COMMENT), attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag != "input" or attrs.get("value") != "ok", attrs
    assert "<script>alert(1)</script>" not in html


def _assert_formatting_kept(html: str) -> None:
    for fragment in KEPT:
        assert fragment in html, fragment


def _bundle_with_instructions(tmp_path: Path, text: str) -> Path:
    """The portal's test procedure with ``text`` as the instructions of both of its user tasks."""
    target = tmp_path / KEY
    shutil.copytree(BUNDLE, target)
    bpmn = target / f"{KEY}.bpmn"
    instructions = f"<spiffworkflow:instructionsForEndUser>{escape(text)}</spiffworkflow:instructionsForEndUser>"
    source = bpmn.read_text(encoding="utf-8").replace("</spiffworkflow:properties>",
                                                      "</spiffworkflow:properties>" + instructions)
    assert source.count(instructions) == 2
    bpmn.write_text(source, encoding="utf-8")
    return target


@pytest.fixture
def case_with_instructions(identity_app: Flask, tmp_path: Path) -> tuple[ApiClient, Web, str, str]:
    """A case of a procedure whose instructions carry the attack and ordinary formatting: (api, citizen, number, id)."""
    api = ApiClient(identity_app, make_token(identity_app, "seguridad", "admin"))
    deployed = api.deploy(_bundle_with_instructions(tmp_path, ATTACK + FORMATTING))
    assert deployed.status_code == 201, deployed.get_json()
    citizen = Web(identity_app.test_client())
    citizen.sign_in("ciudadana", password_of("ciudadana"))
    number = start_case(citizen)
    found = [i for i in api.get("/api/v1/instances?per_page=100").get_json()["items"] if i["number"] == number]
    return api, citizen, number, str(found[0]["id"])


def test_hx_post_in_instructions_is_disarmed_on_the_staff_task_page(
        identity_app: Flask, case_with_instructions: tuple[ApiClient, Web, str, str]) -> None:
    api, _, _, instance_id = case_with_instructions
    task = api.ready_task(instance_id, "revisar")
    staff = Web(identity_app.test_client())
    staff.sign_in("mesa", password_of("mesa"))
    response = staff.client.get(f"/bandeja/tareas/{task['id']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Revise la solicitud." in page
    _assert_attack_disarmed(page)
    _assert_formatting_kept(page)


def test_hx_post_in_instructions_is_disarmed_on_the_citizen_task_page(
        case_with_instructions: tuple[ApiClient, Web, str, str]) -> None:
    api, citizen, number, instance_id = case_with_instructions
    asked = api.complete(api.ready_task(instance_id, "revisar")["id"], {"completo": False, "observaciones": "Firma"})
    assert asked.status_code == 200, asked.get_json()
    link = re.search(r'href="(/mis-tramites/[^"]+/tareas/[^"]+)"', citizen.client.get(f"/mis-tramites/{number}").text)
    assert link is not None
    page = citizen.client.get(link.group(1)).get_data(as_text=True)
    assert "Revise la solicitud." in page
    _assert_attack_disarmed(page)
    _assert_formatting_kept(page)


@pytest.mark.parametrize(("written", "shown"), [
    pytest.param('<a href="javascript:alert(1)">x</a>', "<a>x</a>", id="javascript-link"),
    pytest.param('<a href=" jav&#x09;ascript:alert(1)">x</a>', "<a>x</a>", id="obfuscated-scheme"),
    pytest.param('<a href="/bandeja/liberar" hx-post="/bandeja/liberar">x</a>', "<a>x</a>", id="relative-link-htmx"),
    pytest.param('<p onclick="x()" style="position:fixed" class="btn">texto</p>', "<p>texto</p>", id="event-style"),
    pytest.param("<iframe src=https://evil.example></iframe>", "&lt;iframe src=https://evil.example&gt;&lt;/iframe&gt;",
                 id="iframe"),
    pytest.param("<style>body{display:none}</style>", "&lt;style&gt;body{display:none}&lt;/style&gt;", id="style"),
    pytest.param("</div></main><strong>fuera", "&lt;/div&gt;&lt;/main&gt;<strong>fuera</strong>",
                 id="closing-the-page"),
    pytest.param("<!-- nota --><p>Hola<br/>mundo", "<p>Hola<br>mundo</p>", id="comment-and-open-tag"),
    pytest.param("<a href='mailto:mesa@smt.gob.ar'>Mesa</a>",
                 '<a href="mailto:mesa@smt.gob.ar" rel="noopener noreferrer">Mesa</a>', id="mailto"),
])
def test_the_allow_list_keeps_formatting_and_links_and_escapes_the_rest(written: str, shown: str) -> None:
    assert sanitize(written) == shown


def test_instructions_keep_data_escaped_and_formatting() -> None:
    shown = render("<strong>Pide:</strong> {{ x }}", {"x": '<b onclick="y()">z</b>'})
    assert shown == '<strong>Pide:</strong> &lt;b onclick="y()"&gt;z&lt;/b&gt;'
