"""``tramites serve`` really serves: the command `make run` ends with, started as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.fixtures.require import free_port, wait_for_port

TRAMITES = Path(sys.executable).with_name("tramites")


def test_serve_answers_over_http_with_the_background_runner(tmp_path: Path) -> None:
    port = free_port()
    # as `make run PORT=…`: no TRAMITES_PUBLIC_URL, so both commands name the port served
    env = {**os.environ, "TRAMITES_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("TRAMITES_DATABASE_URL", None)
    env.pop("TRAMITES_PUBLIC_URL", None)
    # apps built earlier in this test process set pygeoapi's configuration for it: not for the server's
    for name in ("PYGEOAPI_CONFIG", "PYGEOAPI_OPENAPI"):
        env.pop(name, None)
    init = subprocess.run([str(TRAMITES), "init", "--no-demo", "--port", str(port)], env=env, check=True,
                          capture_output=True, timeout=300, text=True)
    assert f"Ingrese en http://127.0.0.1:{port}/" in init.stdout
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([str(TRAMITES), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for_port(port, timeout=120), (tmp_path / "serve.log").read_text(errors="replace")[-2000:]
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert home.status_code == 200 and 'lang="es-AR"' in home.text
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).json()
        assert ready["status"] == "ok"
        assert f"Ingrese en http://127.0.0.1:{port}/" in (tmp_path / "serve.log").read_text(errors="replace")
        ogc = requests.get(f"http://127.0.0.1:{port}/ogc/collections?f=json", timeout=60).json()
        assert {link["href"].split("/ogc")[0] for link in ogc["links"]} == {f"http://127.0.0.1:{port}"}
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
