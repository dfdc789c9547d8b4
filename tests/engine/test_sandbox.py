"""The restricted interpreter: what analysts' scripts and conditions may do, and how every escape fails fast."""

from __future__ import annotations

import time
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.sandbox import (
    Limits,
    SandboxedEnvironment,
    SandboxedScriptEngine,
    ScriptError,
    check_compiles,
    find_script_error,
)
from engine.workflow.spiff import Parser
from tests.fixtures.engine import BUNDLES


def _run(script: str, data: dict[str, Any] | None = None, limits: Limits | None = None) -> dict[str, Any]:
    context = dict(data or {})
    SandboxedEnvironment(limits=limits).execute(script, context)
    return context


def _refused(script: str, limits: Limits | None = None) -> ScriptError:
    began = time.monotonic()
    with pytest.raises(ScriptError) as caught:
        _run(script, limits=limits)
    assert time.monotonic() - began < 5
    return caught.value


def test_a_script_reads_task_data_and_its_assignments_become_task_data() -> None:
    script = (
        "total = sum(i['monto'] for i in items)\n"
        "def doble(x):\n    return x * 2\n"
        "resumen = f'{nombre}: {doble(total):.2f}'\n"
        "vence = (datetime(2026, 1, 31) + timedelta(days=30)).date().isoformat()\n"
        "tasa = Decimal('10.5') * 2\n"
        "raiz = math.sqrt(16)\n"
        "orden = sorted(['b', 'a'], key=lambda s: s)\n"
        "texto = '{} y {}'.format(*orden) + ' %s' % str(len(items))\n"
        "copia = json.loads(json.dumps({'a': [1, 2]}))\n"
        "ok = isinstance(nombre, str) and isinstance(tasa, Decimal)\n"
    )
    data = _run(script, {"nombre": "Ana", "items": [{"monto": 10}, {"monto": 5}]})
    assert data["total"] == 15 and data["resumen"] == "Ana: 30.00"
    assert data["vence"] == "2026-03-02" and str(data["tasa"]) == "21.0" and data["raiz"] == 4.0
    assert data["texto"] == "a y b 2" and data["copia"] == {"a": [1, 2]} and data["ok"] is True
    assert "doble" not in data  # functions do not become task data
    assert not [name for name in data if name.startswith("_")]  # nor do the guards


def test_print_is_collected_never_written(capsys: pytest.CaptureFixture[str]) -> None:
    data = _run("print('hola', 1)\nsalida = printed")
    assert data["salida"] == "hola 1\n"
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("source", "reason"), [
    ("import os", "import no permitido"),
    ("from os import path", "import no permitido"),
    ("x = ().__class__.__base__.__subclasses__()", "no permitido"),
    ("x = _secreto", "empieza con '_'"),
    ("x = __builtins__", "empieza con '_'"),
    ("class A:\n    pass", "no se permite definir clases"),
    ("x = open('/etc/passwd').read()", "'open' no permitido"),
    ("exec('x = 1')", "'exec' no permitido"),
    ("x = eval('1')", "'eval' no permitido"),
    ("x = compile('1', 'f', 'eval')", "'compile' no permitido"),
    ("x = type(1)", "'type' no permitido"),
    ("x = globals()", "'globals' no permitido"),
    ("x = (lambda: 0).__globals__", "no permitido"),
    ("g = (i for i in [1])\nx = g.gi_frame", "'gi_frame' no permitido"),
    ("x = 1 +", "error de sintaxis"),
])
def test_forbidden_code_is_refused_when_compiled(source: str, reason: str) -> None:
    problems = check_compiles(source)
    assert problems and any(reason in p for p in problems), problems
    assert reason in str(_refused(source))


@pytest.mark.parametrize(("script", "reason"), [
    pytest.param("while True:\n    pass", "límite de 100000 operaciones", id="endless-loop"),
    pytest.param("try:\n    while True:\n        pass\nexcept Exception:\n    pass\nx = 1", "operaciones",
                 id="budget-cannot-be-swallowed"),
    pytest.param("def f(n):\n    return f(n + 1)\nf(0)", "RecursionError", id="recursion"),
    pytest.param("x = 'x' * 10**10", "el máximo es 1000000", id="huge-string"),
    pytest.param("x = [0] * 10**10", "el máximo es 1000000", id="huge-list"),
    pytest.param("x = 2 ** (10**9)", "demasiado grande", id="huge-int"),
    pytest.param("x = 1 << 10**9", "demasiado grande", id="huge-shift"),
    pytest.param("x = range(10**12)", "range()", id="huge-range"),
    pytest.param("x = 'a'.ljust(10**10)", "el máximo es", id="padding"),
    pytest.param("x = ('a' * 10**6).translate({97: 'b' * 10**6})", "el máximo es", id="translate"),
    pytest.param("x = (1).to_bytes(10**9, 'big')", "el máximo es", id="to-bytes"),
    pytest.param("x = '%0999999999d' % 1", "ancho de formato", id="printf-width"),
    pytest.param("x = f'{1:>{10**9}}'", "ancho de formato", id="fstring-width"),
    pytest.param("x = getattr((), '__cla' + 'ss__')", "'__class__' no permitido", id="dunder-by-getattr"),
    pytest.param("x = '{0.__class__}'.format(1)", "'__class__' no permitido", id="dunder-by-format"),
    pytest.param("x = [[0] * 10**6 for i in range(10**6)]", "elementos creados", id="allocation-total"),
    pytest.param("y = list(range(10**6))\nfor i in range(12):\n    y = [*y, *y]", "el máximo es", id="star-doubling"),
    pytest.param("x = list(range(10**6))\ny = str([x] * 1000)", "repetiría demasiados datos", id="shared-repeat"),
    pytest.param("x = list(range(10**6))\ny = [x for i in range(100)]\nz = str(y)", "texto resultante",
                 id="shared-str"),
    pytest.param("x = list(range(10**6))\ny = [x for i in range(100)]\nz = json.dumps(y)", "texto resultante",
                 id="shared-json"),
    pytest.param("x = list(range(10**6))\ny = [x for i in range(100)]\nprint(y)", "texto resultante",
                 id="shared-print"),
    pytest.param("x = list(range(10**6))\ny = [x for i in range(1000)]", "demasiados para guardarlos",
                 id="shared-task-data"),
    pytest.param("x = int('9' * 5000)", "ValueError", id="int-digits"),
    pytest.param("x = Decimal('1e999999')", "fuera de rango", id="huge-decimal"),
    pytest.param("x = 1 / 0", "ZeroDivisionError", id="plain-error"),
    pytest.param("print('x', file=None or [])", "'file' no permitido", id="print-to-file"),
])
def test_escapes_and_runaway_scripts_fail_fast_with_a_spanish_reason(script: str, reason: str) -> None:
    assert reason in str(_refused(script))


def test_a_slow_script_stops_at_the_deadline() -> None:
    limits = Limits(operations=10**12, seconds=0.3)
    error = _refused("n = 0\nwhile True:\n    n = n + 1", limits)
    assert "tiempo máximo de 0.3 s" in str(error)
    assert error.line in (2, 3)


def test_an_error_names_its_line_and_a_huge_message_is_not_written_out() -> None:
    error = _refused("a = 1\nb = 2\nc = a / 0")
    assert error.line == 3 and str(error).endswith("(línea 3)")
    error = _refused("x = list(range(10**6))\nraise ValueError([x for i in range(100)])")
    assert str(error).startswith("ValueError: (mensaje demasiado largo)")


def test_conditions_are_restricted_too() -> None:
    environment = SandboxedEnvironment()
    assert environment.evaluate("monto > 100 and len(nombre) < 10", {"monto": 150, "nombre": "Ana"}) is True
    with pytest.raises(ScriptError, match="no permitido"):
        environment.evaluate("().__class__", {})
    with pytest.raises(ScriptError, match="el máximo es"):
        environment.evaluate("len('x' * 10**10) > 0", {})
    with pytest.raises(ScriptError, match="demasiado grande"):
        environment.evaluate("[x for i in range(100)]", {"x": list(range(10**6))})


def test_task_data_may_not_hide_a_guard() -> None:
    with pytest.raises(ScriptError, match="nombres reservados"):
        _run("x = 1", {"_getattr_": None})


def test_a_failing_script_task_reports_its_element_line_and_reason() -> None:
    parser = Parser()
    parser.add_bpmn_file(str(BUNDLES / "inc_script" / "inc_script.bpmn"))
    workflow = BpmnWorkflow(parser.get_spec("inc_script"), script_engine=SandboxedScriptEngine())
    began = time.monotonic()
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert time.monotonic() - began < 5
    cause = find_script_error(caught.value)
    assert cause is not None and cause.element_id == "guion"
    assert "operaciones" in str(caught.value) and caught.value.line_number in (2, 3)
    assert caught.value.task is not None and caught.value.task.task_spec.bpmn_id == "guion"
