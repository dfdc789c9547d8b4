"""Issue #16, A (high): arithmetic and templates that escaped the sandbox's time budget.

One C-level operation cannot be interrupted by a budget check, so a script's modular power
blocked its worker for 25 s and then succeeded; a task's instructions (rendered on every page
view) and a certificate template computed for 39 s or took 190 MB. Each attack here must fail
fast: a script becomes an incident, instructions are shown as written, a certificate is refused.
"""

from __future__ import annotations

import shutil
import time
import tracemalloc
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from markupsafe import escape as html_escape

from connectors.documents import RenderError
from connectors.documents.render import render_html
from engine.sandbox import Limits, SandboxedEnvironment, ScriptError
from engine.workflow.instructions import render
from tests.fixtures.engine import BUNDLES, ApiClient

FAST = 10  # seconds: far above a refusal, far below the minutes of the attacks
MODULAR_POWER = "m = (1 << 16000) + 1\nok = pow(m - 2, m - 1, m) > 0"
PLACEHOLDER = "parcial = 1\nwhile True:\n    pass"  # the script of element "guion" in inc_script


def _bundle_with_script(tmp_path: Path, script: str) -> Path:
    target = tmp_path / "inc_script"
    shutil.copytree(BUNDLES / "inc_script", target)
    bpmn = target / "inc_script.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace(PLACEHOLDER, escape(script)), encoding="utf-8")
    return target


def test_a_modular_power_in_a_script_becomes_an_incident_not_a_blocked_worker(api: ApiClient, tmp_path: Path) -> None:
    assert api.deploy(_bundle_with_script(tmp_path, MODULAR_POWER)).status_code == 201
    began = time.monotonic()
    started = api.start("inc_script")
    assert time.monotonic() - began < FAST
    assert started.status_code == 201, started.get_json()
    detail = api.instance(started.get_json()["id"])
    assert detail["status"] == "error", detail["status"]
    [incident] = detail["incidents"]
    assert incident["element_id"] == "guion" and incident["kind"] == "script"
    assert "demasiado grande" in incident["message"] or "pow() con módulo" in incident["message"], incident["message"]


def test_an_integer_too_long_to_write_down_becomes_an_incident_not_a_server_error(api: ApiClient,
                                                                                  tmp_path: Path) -> None:
    """Python writes integers of at most 4,300 digits: one a script leaves in the data must be refused
    while the script runs, or saving the case fails afterwards."""
    assert api.deploy(_bundle_with_script(tmp_path, "x = 1 << 20000")).status_code == 201
    started = api.start("inc_script")
    assert started.status_code == 201, started.get_json()
    detail = api.instance(started.get_json()["id"])
    assert detail["status"] == "error" and detail["incidents"][0]["kind"] == "script"


@pytest.mark.parametrize("script", [
    pytest.param("x = int('f' * 10**6, 16)", id="hex-parse"),
    pytest.param("x = int.from_bytes(b'a' * 10**6, 'big')", id="from-bytes"),
    pytest.param("x = round(12345, -10**8)", id="round-to-huge-digits"),
    pytest.param("x = pow(3, (1 << 13000) - 1, (1 << 4096) - 1)", id="huge-exponent-with-modulus"),
    pytest.param("m = (1 << 13000) + 1\nok = pow(m - 2, m - 1, m) > 0", id="modular-power-within-the-bits"),
])
def test_other_integer_amplifiers_in_a_script_are_refused_before_they_run(script: str) -> None:
    began = time.monotonic()
    with pytest.raises(ScriptError):
        SandboxedEnvironment().execute(script, {})
    assert time.monotonic() - began < FAST


def test_an_operation_that_ends_past_the_deadline_fails_the_script_instead_of_succeeding_late() -> None:
    # One C call (a sort of a million items) with no budget check after it: the run must still fail.
    with pytest.raises(ScriptError, match="tiempo máximo"):
        SandboxedEnvironment(limits=Limits(seconds=0.001)).execute("x = sorted(range(10**6), reverse=True)", {})


@pytest.mark.parametrize("template", [
    pytest.param("Monto: {{ (9 ** 9999999) > 1 }}", id="huge-power"),
    pytest.param("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", id="nested-loops"),
    pytest.param("{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}"
                 "{{ ns.x }}", id="doubling-structure"),
    pytest.param("{{ '{:>999999999}'.format(1) }}", id="format-width"),
    pytest.param("{{ 1|round(-100000000) }}", id="round-to-huge-digits"),
])
def test_arithmetic_and_loops_in_instructions_fall_back_to_the_text_as_written(template: str) -> None:
    began = time.monotonic()
    shown = render(template, {})
    assert time.monotonic() - began < FAST
    assert shown == html_escape(template)


@pytest.mark.parametrize("template", [
    pytest.param("{{ ('A' * 200000000)|length }}", id="repetition"),
    pytest.param("{{ 'A'|center(200000000)|length }}", id="padding-filter"),
    pytest.param("{{ range(100000)|join('A' * 2000) }}", id="join-separator"),
    pytest.param("{% set x %}{% for i in range(100000) %}" + "A" * 2000 + "{% endfor %}{% endset %}{{ x|length }}",
                 id="literal-text-in-a-loop"),
])
def test_repetition_in_instructions_never_allocates_hundreds_of_megabytes(template: str) -> None:
    tracemalloc.start()
    try:
        shown = render(template, {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, f"{peak / 1e6:.0f} MB"
    assert "{{" in shown or "{%" in shown  # shown as written


def test_ordinary_instructions_render_as_before_within_the_bounds() -> None:
    template = ("{{ nombre|upper }}: {{ items|join(', ') }}; {{ '%s-%d' % ('a', 3) }} {{ '{}!'.format(x) }} "
                "{{ 3.14159|round(2) }} {{ {'a': 1}|tojson }} [{{ 'x'|center(5) }}] {{ 2 ** 10 }} {{ 'ab' * 2 }} "
                "{% for a, b in pares %}{{ a }}={{ b }} {% endfor %}{{ (monto * 1.21)|round(2) }} "
                "{{ texto|replace('a', 'o') }} {% set ns = namespace(total=0) %}"
                "{% for i in items %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}")
    data = {"nombre": "ana", "items": [1, 2, 3], "x": "<b>", "pares": [("k", "v")], "monto": 100, "texto": "casa"}
    assert render(template, data) == 'ANA: 1, 2, 3; a-3 &lt;b&gt;! 3.14 {"a": 1} [  x  ] 1024 abab k=v 121.0 coso 6'


def test_a_certificate_template_with_huge_arithmetic_is_refused_fast(tmp_path: Path) -> None:
    (tmp_path / "template.html").write_text("<p>{{ (9 ** 9999999) > 1 }}</p>", encoding="utf-8")
    began = time.monotonic()
    with pytest.raises(RenderError, match="excede los límites"):
        render_html(tmp_path, {}, verification_url="https://tramites.example/verificar/X")
    assert time.monotonic() - began < FAST


def test_a_certificate_template_cannot_allocate_hundreds_of_megabytes(tmp_path: Path) -> None:
    (tmp_path / "template.html").write_text("<p>{{ ('A' * 200000000)|length }}</p>", encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(RenderError):
            render_html(tmp_path, {}, verification_url="https://tramites.example/verificar/X")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, f"{peak / 1e6:.0f} MB"
