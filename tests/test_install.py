"""What `make run` installs on a fresh clone: the runtime lock, and it starts without the test tools."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.test_lock import TEST_TOOLS, _name, _pins

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = "import json, importlib.metadata as m; print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"


@pytest.mark.slow
def test_the_runtime_venv_has_the_runtime_lock_and_starts(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    made = subprocess.run(["make", "venv", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, check=False)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert "installing requirements/run.txt, sha256 " in made.stdout
    listed = subprocess.run([str(venv / "bin" / "python"), "-c", INSTALLED], capture_output=True, text=True,
                            check=True)
    installed = {_name(name) for name in json.loads(listed.stdout)}
    assert not TEST_TOOLS & installed
    assert set(_pins("run")) <= installed
    assert installed - set(_pins("run")) <= {"tramites-smt", "pip"}
    env = {**os.environ, "TRAMITES_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("TRAMITES_DATABASE_URL", None)
    helped = subprocess.run([str(venv / "bin" / "tramites"), "--help"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert helped.returncode == 0, helped.stderr
    assert "init" in helped.stdout and "serve" in helped.stdout
    assert helped.stderr == ""  # not even a third-party deprecation
