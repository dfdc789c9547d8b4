"""Several gunicorn workers, one ``/metrics``: the counters of every worker add up, and the
lines on gunicorn's standard error are all JSON (``deploy/gunicorn.conf.py``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from bench.common import gunicorn
from engine.db import db
from tests.fixtures.engine import ApiClient, make_token
from wsgi import create_app

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "clave-de-prueba-gunicorn"
STARTS = 8
ROUNDS = 10
PROCEDURE = "tramite_simple"  # tests/data/bundles/simple
WORKERS = 2


def _starts(text: str, procedure: str) -> float:
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "tramites_case_starts_total" and sample.labels.get("procedure") == procedure)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, Path, Path]]:
    """gunicorn with two workers on a migrated SQLite database: base URL, admin token, metrics folder, log."""
    instance, metrics = tmp_path / "instance", tmp_path / "metricas"
    url = f"sqlite:///{tmp_path / 'tramites.db'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    token = make_token(app, "monitoreo", "admin")
    deployed = ApiClient(app, token).deploy("simple")
    assert deployed.status_code == 201, deployed.get_json()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics), "TRAMITES_SECRET_KEY": SECRET_KEY}
    with gunicorn(url, str(instance), workers=WORKERS, extra_env=env, config=ROOT / "deploy" / "gunicorn.conf.py") \
            as (base, _master):
        yield base, token, metrics, next(instance.glob("gunicorn-*.log"))


def _by_process(folder: Path, scratch: Path) -> dict[str, float]:
    """Starts counted by each process, read from its own counter file alone."""
    found = {}
    for file in sorted(folder.glob("counter_*.db")):
        alone = scratch / file.stem
        alone.mkdir(parents=True)
        shutil.copy(file, alone / file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        found[file.stem] = sum(s.value for m in registry.collect() for s in m.samples
                               if s.name == "tramites_case_starts_total" and s.labels.get("procedure") == PROCEDURE)
    return found


def test_every_worker_counts_into_one_scrape(served: tuple[str, str, Path, Path], tmp_path: Path) -> None:
    base, token, metrics, log = served
    headers = {"Authorization": f"Bearer {token}", "X-Request-Id": "carga-multiproceso"}

    def start(_n: int) -> int:
        return requests.post(f"{base}/api/v1/processes/{PROCEDURE}/instances", json={"data": {}}, headers=headers,
                             timeout=60).status_code

    # Together, so both workers take some; again while one of them has taken none (a worker still
    # loading the app on a busy machine leaves the first rounds to the other).
    started = 0
    for round_ in range(ROUNDS):
        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(start, range(STARTS))) == [201] * STARTS
        started += STARTS
        shares = _by_process(metrics, tmp_path / f"separados-{round_}")
        if len([n for n in shares.values() if n]) == WORKERS:
            break

    # whichever worker answers the scrape, it counts the starts of both
    for _ in range(2 * WORKERS):
        assert _starts(requests.get(f"{base}/metrics", timeout=30).text, PROCEDURE) == started
    assert sum(shares.values()) == started and len([n for n in shares.values() if n]) == WORKERS, shares

    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # gunicorn's own lines too
    assert any(line["logger"] == "gunicorn.error" for line in parsed)
    requests_logged = [line for line in parsed if line.get("request_id") == "carga-multiproceso"
                       and line["logger"] == "tramites.request"]
    assert len(requests_logged) == started and all(line["case"] and line["duration_ms"] > 0 for line in requests_logged)
