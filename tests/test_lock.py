"""The locks in requirements/: complete, hash-checked, layered, and what this suite runs on."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
TEST_TOOLS = {"pytest", "pytest-timeout", "pytest-xdist", "playwright", "moto", "mypy", "ruff", "import-linter",
              "owslib", "aiosmtpd", "celery", "gunicorn", "redis"}


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _refresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_refresh", REQUIREMENTS / "refresh.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pins(lock: str) -> dict[str, str]:
    pins: dict[str, str] = _refresh().pins((REQUIREMENTS / f"{lock}.txt").read_text(encoding="utf-8"))
    return pins


def _setup_requirements() -> tuple[list[str], dict[str, list[str]]]:
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    found = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
             if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
             and node.targets[0].id in ("INSTALL_REQUIRES", "EXTRAS_REQUIRE")}
    return found["INSTALL_REQUIRES"], found["EXTRAS_REQUIRE"]


@pytest.mark.parametrize("lock", ["run", "prod", "test", "lock-tools"])
def test_every_package_of_a_lock_is_pinned_with_hashes(lock: str) -> None:
    text = (REQUIREMENTS / f"{lock}.txt").read_text(encoding="utf-8")
    blocks = [b for b in re.split(r"\n(?=[A-Za-z0-9])", text) if b.strip() and not b.startswith("#")]
    assert blocks
    for block in blocks:
        assert re.match(r"^[A-Za-z0-9._-]+==\S+", block), block
        assert "--hash=sha256:" in block, block


@pytest.mark.parametrize("lock", ["run", "prod"])
def test_the_runtime_and_production_locks_have_the_versions_the_tests_ran_with(lock: str) -> None:
    tested = _pins("test")
    for name, version in _pins(lock).items():
        assert tested.get(name) == version, f"{name}=={version} in {lock}.txt, {tested.get(name)} in test.txt"


def test_the_runtime_lock_has_no_test_or_production_tool() -> None:
    assert not TEST_TOOLS & set(_pins("run"))
    assert {"gunicorn", "celery", "redis"} <= set(_pins("prod"))
    assert not {"pytest", "playwright", "moto", "mypy", "ruff"} & set(_pins("prod"))


def test_each_lock_holds_what_setup_py_asks_for() -> None:
    install, extras = _setup_requirements()
    for lock, wanted in (("run", install), ("prod", install + extras["prod"]), ("test", install + extras["test"])):
        pins = _pins(lock)
        for line in wanted:
            requirement = Requirement(line)
            assert _name(requirement.name) in pins, f"{requirement.name} is missing from {lock}.txt"
            assert requirement.specifier.contains(pins[_name(requirement.name)], prereleases=True), line


@pytest.mark.parametrize("lock", ["run", "prod", "test"])
def test_a_lock_is_closed_under_its_packages_dependencies(lock: str) -> None:
    """``pip install --no-deps -r`` of the lock alone gives a working set: nothing it needs is left out."""
    pins = _pins(lock)
    environment = {"python_version": f"{sys.version_info[0]}.{sys.version_info[1]}", "extra": ""}
    for name in pins:
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                assert _name(requirement.name) in pins, f"{name} needs {requirement}, missing from {lock}.txt"


def test_this_suite_runs_on_the_test_lock() -> None:
    for name, version in _pins("test").items():
        assert importlib.metadata.version(name) == version, name


def test_the_refresh_names_the_new_release_that_breaks_a_test() -> None:
    refresh = _refresh()
    changes = refresh.upgrades("cryptography==50.0.2 \\\nflask==3.1.3 \\\n",
                               "cryptography==51.0.1 \\\nflask==3.1.3 \\\nnuevo==1.0 \\\n")
    assert changes == {"cryptography": ("50.0.2", "51.0.1"), "nuevo": (None, "1.0")}
    output = (
        "  File \"/x/venv/lib/python3.11/site-packages/pyhanko/sign/signers/pdf_cms.py\", line 20\n"
        "  File \"/x/venv/lib/python3.11/site-packages/cryptography/utils.py\", line 7\n"
        "FAILED tests/connectors/test_documents_signing.py::test_firma - CryptographyDeprecationWarning: DSA\n"
    )
    line = refresh.verdict(output, changes, Path(sys.prefix))
    assert line == ("lock unchanged: cryptography 50.0.2→51.0.1 breaks "
                    "tests/connectors/test_documents_signing.py::test_firma (CryptographyDeprecationWarning: DSA)")


def test_the_refresh_says_so_when_it_cannot_tell_which_release_breaks_the_lint() -> None:
    refresh = _refresh()
    changes = {"ruff": ("0.6.0", "0.7.0")}
    line = refresh.verdict("engine/x.py:1:1: F401 unused import\nmake: *** [Makefile:26: lint] Error 1\n",
                           changes, Path(sys.prefix))
    assert line == ("lock unchanged: one of 1 upgrades (ruff 0.6.0→0.7.0) breaks "
                    "make test: engine/x.py:1:1: F401 unused import")
