"""The suite's warning policy, applied to the child processes the tests start as well.

pytest reads ``filterwarnings`` from ``pyproject.toml``: every warning is an error, except
the deprecations that named third-party modules raise about their own dependencies (those
are shown in the summary, not fatal). A child process (``tramites sensors``, a pygeoapi
server) gets the very same list through :func:`python_argv` and :func:`tramites_argv`, so a
warning is judged alike in and out of the test process. Python's ``-W`` cannot express
these filters: it matches a module by its exact name, pytest's filters by a pattern.
"""

from __future__ import annotations

import builtins
import importlib
import sys
import tomllib
import warnings
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_INSTALL = "import tests.warning_policy as _policy; _policy.install()\n"


@cache
def configured_filters() -> tuple[str, ...]:
    """pytest's ``filterwarnings`` lines, in the order pytest applies them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return tuple(config["tool"]["pytest"]["ini_options"]["filterwarnings"])


def _category(name: str) -> type[Warning]:
    if not name:
        return Warning
    if "." not in name:
        found = getattr(builtins, name)
    else:
        module, _, attribute = name.rpartition(".")
        found = getattr(importlib.import_module(module), attribute)
    if not (isinstance(found, type) and issubclass(found, Warning)):
        raise ValueError(f"{name} is not a warning category")
    return found


def install() -> None:
    """Apply the configured filters to this process, later lines winning, as pytest does."""
    warnings.resetwarnings()
    for line in configured_filters():
        action, message, category, module = (line.split(":", 4) + ["", "", "", ""])[:4]
        warnings.filterwarnings(action.strip(), message, _category(category.strip()), module.strip())  # type: ignore[arg-type]


def python_argv(code: str, *args: str) -> list[str]:
    """A Python child that runs ``code`` under the suite's warning policy (cwd: the repo)."""
    return [sys.executable, "-c", _INSTALL + code, *args]


def tramites_argv(*args: str) -> list[str]:
    """The ``tramites`` command as a child process under the suite's warning policy."""
    return python_argv("import sys, wsgi; sys.exit(wsgi.cli.main(prog_name='tramites'))", *args)

