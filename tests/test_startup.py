"""Start-up loads no heavy library that a process may never use (figures: bench/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each costs a tenth of a second or more at import, and only some requests or commands need it.
DEFERRED = ("weasyprint", "pyhanko", "pypdf", "pygeoapi", "shapely", "authlib", "celery", "alembic", "flask_migrate",
            "rfc3987_syntax", "lark")
LOADED = "import json, sys; print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))"


def _loaded_after(code: str, tmp_path: Path) -> list[str]:
    env = {**os.environ, "TRAMITES_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("TRAMITES_DATABASE_URL", None)
    # The first start on a new instance writes pygeoapi's OpenAPI document (with pygeoapi);
    # every later start finds it.
    subprocess.run([sys.executable, "-c", "import wsgi; wsgi.create_app()"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    done = subprocess.run([sys.executable, "-c", f"{code}\n{LOADED.format(names=DEFERRED)}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("code", [
    "import wsgi",
    "import wsgi; wsgi.create_app()",
    "import sys, wsgi; sys.argv = ['tramites', '--help']\ntry:\n    wsgi.cli.main(prog_name='tramites')\n"
    "except SystemExit:\n    pass",
], ids=["import wsgi", "create_app", "tramites --help"])
def test_starting_imports_no_library_it_may_never_use(code: str, tmp_path: Path) -> None:
    assert _loaded_after(code, tmp_path) == []


def test_the_deferred_libraries_load_where_they_are_used(tmp_path: Path) -> None:
    code = ("import logging, wsgi\napp = wsgi.create_app()\nclient = app.test_client()\n"
            "handlers = list(logging.getLogger().handlers)\n"
            "assert client.get('/ogc/?f=json').status_code == 200\n"
            "assert logging.getLogger().handlers == handlers, 'pygeoapi reconfigured the root logger'\n"
            "from connectors.documents import inspect_pdf, render_certificate, BASE_TEMPLATE_DIR\n"
            "render_certificate(BASE_TEMPLATE_DIR, {}, verification_url='https://x/v/1', title='t',"
            " verification_code='ABCDEFGHJK')")
    assert set(_loaded_after(code, tmp_path)) >= {"pygeoapi", "weasyprint", "pyhanko"}
