"""Start-up: CPU seconds that ``import wsgi`` and ``tramites --help`` cost, side by side.

Run as ``.venv/bin/python bench/startup.py`` (``make bench`` runs it too). Each row starts
fresh interpreters and reports the median of the children's CPU time (user + system) over
``--runs`` runs, after one warm-up run that writes the instance's files. Targets: both
under 1.5 s of CPU.

The "eager" rows load, before the same work, every heavy library that the platform now
imports on first use (WeasyPrint, pyHanko, pygeoapi's app, pypdf, Shapely, Authlib,
Alembic, Celery where installed): what every CLI call, web worker and Celery worker paid
before they were deferred. Compare rows of one run, as ratios; the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TARGET_SECONDS = 1.5
DEFERRED = ("weasyprint", "pyhanko.sign.signers", "pyhanko.sign.validation", "pypdf", "shapely.geometry",
            "authlib.integrations.flask_client", "flask_migrate", "alembic.command", "pygeoapi.flask_app", "celery")
EAGER = "\n".join([
    "import importlib",
    f"for name in {DEFERRED!r}:",
    "    try:",
    "        importlib.import_module(name)",
    "    except ImportError:",
    "        pass  # Celery is installed with the 'prod' extra only",
])
HELP = "import sys, wsgi; sys.argv = ['tramites', '--help']; wsgi.cli.main(prog_name='tramites')"
ROWS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass", [PYTHON, "-c", "pass"], None),
    ("import flask", [PYTHON, "-c", "import flask"], None),
    ("import wsgi", [PYTHON, "-c", "import wsgi"], TARGET_SECONDS),
    ("import wsgi, eager (before)", [PYTHON, "-c", EAGER + "\nimport wsgi"], None),
    ("tramites --help", [PYTHON, "-c", HELP], TARGET_SECONDS),
    ("tramites --help, eager (before)", [PYTHON, "-c", EAGER + "\n" + HELP], None),
]


def cpu_seconds(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv`` once; return (CPU seconds of the child, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as instance:
        ogc = Path(instance) / "ogc"
        env = {**os.environ, "TRAMITES_INSTANCE_PATH": instance, "PYGEOAPI_CONFIG": str(ogc / "pygeoapi.yml"),
               "PYGEOAPI_OPENAPI": str(ogc / "pygeoapi-openapi.yml")}
        env.pop("TRAMITES_DATABASE_URL", None)
        cpu_seconds([PYTHON, "-c", HELP], env)  # warm-up: writes the instance's keys and pygeoapi's files
        figures = {}
        for _ in range(runs):  # interleaved, so a burst of load hits every row alike
            for name, argv, _target in ROWS:
                figures.setdefault(name, []).append(cpu_seconds(argv, env))
    flask = statistics.median(cpu for cpu, _ in figures["import flask"])
    print(f"start-up, median of {runs} runs (load average {os.getloadavg()[0]:.2f})")
    print(f"{'what':34} {'CPU s':>7} {'wall s':>7} {'× import flask':>15} {'target':>8}")
    for name, _argv, target in ROWS:
        cpu = statistics.median(c for c, _ in figures[name])
        wall = statistics.median(w for _, w in figures[name])
        verdict = "" if target is None else ("met" if cpu < target else "MISSED")
        print(f"{name:34} {cpu:7.2f} {wall:7.2f} {cpu / flask:15.1f} {verdict:>8}")


if __name__ == "__main__":
    main()
