"""The deployment files (deploy/), checked without pulling an image: what they name must exist.

The compose file parses; every ``TRAMITES_*`` variable it or the image sets is a setting the
platform or one of its connectors reads; each command a container runs is an entry point of
the project (a ``tramites`` command, gunicorn on ``wsgi:app``) or of the locked packages;
every file the image copies exists; the image installs from the lock with hashes, runs as
a user without privileges and checks its health with ``tramites check``.
"""

from __future__ import annotations

import importlib
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from connectors.registry import BUILTINS
from engine.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PLATFORM_SERVICES = ("init", "web", "worker-beat", "worker", "sensors")
INFRASTRUCTURE = ("postgres", "minio", "redis", "openldap", "mosquitto")
INTERPOLATED = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?+][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _known_settings() -> set[str]:
    """``TRAMITES_`` + every platform setting and every built-in connector's setting."""
    names = {setting.name for setting in SETTINGS}
    for target in BUILTINS.values():
        module, _, cls = target.partition(":")
        names.update(getattr(importlib.import_module(module), cls).settings)
    return {f"TRAMITES_{name}" for name in names}


def _set_variables(compose: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name, service in compose["services"].items():
        for variable in service.get("environment") or {}:
            yield name, variable
    for keyword, arguments in _instructions():
        if keyword == "ENV":
            for assignment in shlex.split(arguments):
                yield "Dockerfile", assignment.split("=", 1)[0]


def test_the_compose_file_runs_every_piece_of_the_production_column(compose: dict[str, Any]) -> None:
    assert set(PLATFORM_SERVICES + INFRASTRUCTURE) <= set(compose["services"])
    for name in PLATFORM_SERVICES:
        service = compose["services"][name]
        assert service["image"] == "tramites-smt:latest"
        assert service["environment"]["TRAMITES_DATABASE_URL"].startswith("postgresql://")
        assert service["environment"]["TRAMITES_STORAGE_URL"].startswith("s3://")
        assert service["environment"]["TRAMITES_BROKER_URL"].startswith("redis://redis:")
    beats = [name for name in PLATFORM_SERVICES if "--beat" in compose["services"][name]["command"]]
    assert beats == ["worker-beat"], "exactly one worker runs the schedule"
    for name in ("web", "worker-beat", "worker", "sensors"):
        assert compose["services"][name]["depends_on"]["init"]["condition"] == "service_completed_successfully"


def test_every_variable_set_is_a_setting_the_platform_knows(compose: dict[str, Any]) -> None:
    known = _known_settings()
    unknown = [(where, variable) for where, variable in _set_variables(compose)
               if variable.startswith("TRAMITES_") and variable not in known]
    assert unknown == []


def test_every_interpolated_value_is_in_the_example_env_file(compose: dict[str, Any]) -> None:
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    offered = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    wanted = set(INTERPOLATED.findall((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))
    assert wanted and wanted <= offered, sorted(wanted - offered)
    documented = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert [name for name in sorted(offered) if f"`{name}`" not in documented] == []


def _tramites_commands() -> set[str]:
    from wsgi import cli

    context = click.Context(cli)
    return set(cli.list_commands(context))


def _commands(compose: dict[str, Any]) -> Iterator[list[str]]:
    for name in PLATFORM_SERVICES:
        yield list(compose["services"][name]["command"])
    for keyword, arguments in _instructions():
        if keyword in ("CMD", "HEALTHCHECK"):
            found = re.search(r"\[.*\]", arguments)
            assert found, f"{keyword} in exec form: {arguments}"
            yield yaml.safe_load(found.group(0))


def test_the_commands_the_containers_run_exist_in_the_project(compose: dict[str, Any]) -> None:
    tramites = _tramites_commands()
    locked = (ROOT / "requirements" / "prod.txt").read_text(encoding="utf-8")
    for argv in _commands(compose):
        program = argv[0]
        if program == "tramites":
            assert argv[1] in tramites, argv
        else:
            assert program == "gunicorn" and re.search(r"^gunicorn==", locked, re.M), argv
            assert argv[-1] == "wsgi:app" and (ROOT / "wsgi.py").is_file()
            # gunicorn's settings put its own lines in the platform's log format (docs/operations.md)
            assert argv[1:3] == ["-c", "deploy/gunicorn.conf.py"] and (ROOT / argv[2]).is_file(), argv
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert '"tramites=wsgi:cli"' in setup


def test_the_files_the_compose_file_mounts_exist(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith("./") and "/secrets/" not in source:
                assert (DEPLOY / source).is_file(), volume


def test_the_image_installs_the_lock_with_hashes_and_runs_without_privileges() -> None:
    instructions = _instructions()
    stages = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    assert len(stages) >= 2, "a multi-stage build"
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    assert "pip install --require-hashes --no-deps -r /tmp/prod.txt" in runs
    assert "COPY requirements/prod.txt /tmp/prod.txt" in [f"{k} {a}" for k, a in instructions]
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    (healthcheck,) = [arguments for keyword, arguments in instructions if keyword == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["tramites", "check"]')
    assert "assets" in (ROOT / "Makefile").read_text(encoding="utf-8").split(".PHONY:")[1].splitlines()[0]


def test_every_file_the_image_copies_exists_and_is_in_the_build_context() -> None:
    ignored = [line.strip().rstrip("/") for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for keyword, arguments in _instructions():
        if keyword != "COPY" or arguments.startswith("--from="):
            continue
        *sources, _target = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}"
            assert not any(source.rstrip("/") == entry or source.startswith(entry + "/") for entry in ignored), source
