"""The alert rules are valid for Prometheus and fire when they should (Debian's ``prometheus`` package)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.fixtures.require import require_binary

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def _promtool(*arguments: str) -> subprocess.CompletedProcess[str]:
    promtool = require_binary("promtool", "prometheus")
    return subprocess.run([promtool, *arguments], cwd=RULES, capture_output=True, text=True, timeout=60, check=False)


def test_promtool_accepts_the_rules() -> None:
    checked = _promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout + checked.stderr


def test_the_rules_fire_on_the_situations_they_name() -> None:
    """``alerts_test.yml``: the database down, a late timer, a stuck outbox, an incident backlog
    counted once across web hosts, a failing connector, notifications given up, the platform silent."""
    tested = _promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_promtool_refuses_a_broken_rule(tmp_path: Path) -> None:
    """The check can fail: a rule with a PromQL syntax error is refused."""
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: max(tramites_timers{\n",
                      encoding="utf-8")
    checked = _promtool("check", "rules", str(broken))
    assert checked.returncode != 0
