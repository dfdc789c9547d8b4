"""Issue #16, A (high): arithmetic that escaped the sandbox's time budget.

One C-level operation cannot be interrupted by a budget check, so a script's modular power
blocked its worker for 25 s and then succeeded. Each attack here must fail fast: a script
becomes an incident.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from engine.sandbox import Limits, SandboxedEnvironment, ScriptError
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
    assert "pow() con módulo" in incident["message"], incident["message"]


@pytest.mark.parametrize("script", [
    pytest.param("x = int('f' * 10**6, 16)", id="hex-parse"),
    pytest.param("x = int.from_bytes(b'a' * 10**6, 'big')", id="from-bytes"),
    pytest.param("x = round(12345, -10**8)", id="round-to-huge-digits"),
    pytest.param("x = pow(3, (1 << 99000) - 1, (1 << 4096) - 1)", id="huge-exponent-with-modulus"),
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
