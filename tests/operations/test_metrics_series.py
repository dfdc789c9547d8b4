"""``/metrics`` of an instance that ran the city's procedures: every series the alert rules and
the dashboard name is there, and the figures say what happened."""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.engine import BUNDLES
from tests.operations.test_logs import KEY, _application
from tests.procedures.conftest import Platform

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERIES = re.compile(r"\btramites_[a-z_]+\b")
#: The suffixes a histogram's series carry in the text format.
HISTOGRAM_PARTS = ("_bucket", "_sum", "_count")


def _scrape(platform: Platform) -> dict[str, list[Any]]:
    """Series name -> its samples, read over HTTP from the loopback (the default allowed address)."""
    answer = requests.get(f"{platform.url}/metrics", timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    found: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def _value(found: dict[str, list[Any]], name: str, **labels: str) -> float:
    matching = [s.value for s in found.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items())]
    assert matching, f"{name}{labels} is not in /metrics"
    return float(sum(matching))


def named_in_rules() -> set[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    return {name for group in rules["groups"] for rule in group["rules"] for name in SERIES.findall(rule["expr"])}


def named_in_dashboard() -> set[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "tramites.json").read_text(encoding="utf-8"))
    return {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in SERIES.findall(target["expr"])}


def _failing_bundle(tmp_path: Path) -> Path:
    """A procedure whose script divides by zero: each case opens an incident for staff."""
    folder = tmp_path / "inc_division"
    shutil.copytree(BUNDLES / "inc_script", folder)
    bpmn = folder / "inc_script.bpmn"
    text = bpmn.read_text(encoding="utf-8").replace('id="inc_script"', 'id="inc_division"')
    text = re.sub(r"<bpmn:script>parcial = 1\s+while True:\s+pass</bpmn:script>",
                  "<bpmn:script>parcial = 1 / 0</bpmn:script>", text)
    bpmn.unlink()
    (folder / "inc_division.bpmn").write_text(text, encoding="utf-8")
    manifest = (folder / "manifest.yaml").read_text(encoding="utf-8")
    (folder / "manifest.yaml").write_text(re.sub(r"(?m)^key: .*$", "key: inc_division", manifest), encoding="utf-8")
    return folder


def test_the_rules_and_the_dashboard_name_only_series_of_ours() -> None:
    assert named_in_rules() and named_in_dashboard()
    assert "tramites_dependency_up" in named_in_rules()


def test_metrics_of_an_instance_that_ran_the_procedures(platform: Platform, tmp_path: Path) -> None:
    platform.deploy(KEY)
    licence = platform.start(KEY, _application(platform))
    licence.complete("revisar_documentacion", {"documentacion_completa": True})
    platform.pay(licence.data["boleta"]["numero"])
    platform.api.deploy("timer_corto")
    waiting = platform.start("timer_corto")
    assert platform.api.deploy(_failing_bundle(tmp_path)).status_code == 201
    failed = platform.start("inc_division")
    assert [i["status"] for i in failed.incidents()] == ["open"]
    platform.clock.now += timedelta(minutes=10)  # the background work did not run meanwhile

    before = _scrape(platform)
    assert _value(before, "tramites_timers", state="due") == 1 == _value(before, "tramites_timers", state="late")
    assert _value(before, "tramites_incidents", procedure="inc_division", status="open") == 1
    assert _value(before, "tramites_dependency_up", dependency="database") == 1
    assert _value(before, "tramites_dependency_up", dependency="storage") == 1
    assert _value(before, "tramites_case_starts_total", procedure=KEY) >= 1
    assert _value(before, "tramites_task_completions_total", procedure=KEY) >= 1
    assert _value(before, "tramites_steps_total", procedure="inc_division", outcome="incident") >= 1
    assert _value(before, "tramites_step_duration_seconds_count", procedure=KEY) >= 3
    assert _value(before, "tramites_connector_calls_total", operation="gaf/liquidar_tasa") >= 1
    assert _value(before, "tramites_inbox_tasks", group="direccion_comercio", claimed="false") == 1
    assert _value(before, "tramites_open_cases", procedure=KEY) == 1  # whatever its state
    assert _value(before, "tramites_documents", kind="signed") == 1  # the signed receipt of the application
    assert _value(before, "tramites_storage_bytes", what="documents") > 0
    assert _value(before, "tramites_storage_bytes", what="certificates") > 0

    platform.advance(timedelta(0))  # the background work runs: the timer fires
    incident = failed.incidents()[0]
    assert platform.api.post(f"/api/v1/incidents/{incident['id']}:retry").status_code == 200
    after = _scrape(platform)
    assert waiting.status == "completed"
    assert _value(after, "tramites_timers", state="late") == 0
    assert _value(after, "tramites_timers_fired_total", procedure="timer_corto") == _value(
        before, "tramites_timers_fired_total", procedure="timer_corto") + 1
    assert _value(after, "tramites_cases_completed_total", procedure="timer_corto") >= 1
    assert _value(after, "tramites_incident_retries_total", trigger="staff") == _value(
        before, "tramites_incident_retries_total", trigger="staff") + 1

    documented = set(SERIES.findall((DEPLOY.parent / "docs" / "operations.md").read_text(encoding="utf-8")))
    undocumented = sorted({name for name in after if not name.endswith("_created")
                           and name not in documented and name.removesuffix("_bucket").removesuffix("_sum")
                           .removesuffix("_count") not in documented})
    assert undocumented == []

    named = named_in_rules() | named_in_dashboard()
    missing = sorted(name for name in named
                     if name not in after and not any(name + part in after for part in HISTOGRAM_PARTS))
    assert missing == []


def test_the_test_cases_of_the_studio_are_not_counted(platform: Platform) -> None:
    platform.api.deploy("timer_corto")
    before = _scrape(platform)
    started = platform.api.post("/api/v1/processes/timer_corto/versions/1/test-cases", json={"data": {}})
    assert started.status_code == 201, started.get_json()
    platform.clock.now += timedelta(minutes=10)  # its timer is due, and would be late for a real case
    after = _scrape(platform)
    assert _value(after, "tramites_case_starts_total", procedure="timer_corto") == _value(
        before, "tramites_case_starts_total", procedure="timer_corto")
    assert _value(after, "tramites_timers", state="due") == 0 == _value(after, "tramites_timers", state="late")
    # the counters belong to the process (other tests ran cases of it): only their change counts
    assert _value(after, "tramites_steps_total", procedure="timer_corto") == _value(
        before, "tramites_steps_total", procedure="timer_corto")
