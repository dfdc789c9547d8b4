"""``make lock``: move the locks to today's releases, and keep them only if ``make test`` passes.

Runs with the lock tools' own venv (``requirements/lock-tools.txt``). It compiles the three
locks again with ``--upgrade`` (the test lock first: the runtime and production locks are
layered on it), builds a fresh venv from the new test lock in a temporary folder and runs
``make test`` there. When that passes the new locks stay and the upgrades are listed; when
it fails the old locks are put back and one line says which new release breaks what.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PIP_COMPILE = Path(sys.executable).with_name("pip-compile")
COMMON = ["--quiet", "--generate-hashes", "--allow-unsafe", "--strip-extras", "--no-emit-find-links",
          "--no-emit-index-url"]
LAYERED = ["setup.py", "requirements/build.in", "requirements/constraints.in"]
# The order matters: run and prod are constrained by the test lock.
LOCKS = {
    "test": ["--extra", "test", "--extra", "prod", "setup.py", "requirements/build.in"],
    "run": LAYERED,
    "prod": ["--extra", "prod", *LAYERED],
}
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)", re.MULTILINE)
FAILURE = re.compile(r"^(?:FAILED|ERROR) (\S+)(?: - (.*))?$", re.MULTILINE)


def pins(text: str) -> dict[str, str]:
    """``{normalised name: version}`` of a lock's text."""
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in PIN.findall(text)}


def upgrades(old: str, new: str) -> dict[str, tuple[str | None, str | None]]:
    """The packages whose version changed: ``{name: (old or None, new or None)}``."""
    before, after = pins(old), pins(new)
    return {name: (before.get(name), after.get(name))
            for name in sorted(before.keys() | after.keys()) if before.get(name) != after.get(name)}


def describe(changes: dict[str, tuple[str | None, str | None]]) -> str:
    return ", ".join(f"{name} {old or '(new)'}→{new or '(gone)'}" for name, (old, new) in changes.items())


def compile_locks() -> None:
    for name, arguments in LOCKS.items():
        subprocess.run([str(PIP_COMPILE), *COMMON, "--upgrade", "-o", f"requirements/{name}.txt", *arguments],
                       cwd=ROOT, check=True)


def run_suite(venv: Path, log: Path) -> bool:
    """``make test`` in a fresh venv built from the new lock; its output goes to ``log``."""
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(["make", "test", f"VENV={venv}"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                              check=False)
    return done.returncode == 0


def distributions_of_modules(venv: Path) -> dict[str, list[str]]:
    """``{top-level module: [distribution, …]}`` as installed in ``venv``."""
    code = "import json, importlib.metadata as m; print(json.dumps(m.packages_distributions()))"
    found = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False)
    return json.loads(found.stdout or "{}")


def culprit(output: str, changes: dict[str, tuple[str | None, str | None]], venv: Path) -> str | None:
    """The changed distribution whose files the failure's traceback passes through first."""
    owners = distributions_of_modules(venv)
    for module in re.findall(r"site-packages/([A-Za-z0-9_]+)", output):
        for distribution in owners.get(module, []):
            name = re.sub(r"[-_.]+", "-", distribution).lower()
            if name in changes:
                old, new = changes[name]
                return f"{name} {old}→{new}"
    return None


def verdict(output: str, changes: dict[str, tuple[str | None, str | None]], venv: Path) -> str:
    """One line: which new release breaks what."""
    failure = FAILURE.search(output)
    what = f"{failure[1]} ({failure[2]})" if failure and failure[2] else failure[1] if failure else "make test"
    if failure is None:
        lines = [line for line in output.splitlines() if line.strip() and not line.startswith("make")]
        what = f"make test: {lines[-1].strip()}" if lines else "make test"
    found = culprit(output, changes, venv)
    suspect = found or f"one of {len(changes)} upgrades ({describe(changes)})"
    return f"lock unchanged: {suspect} breaks {what}"


def main() -> int:
    paths = {name: HERE / f"{name}.txt" for name in LOCKS}
    old = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}

    def restore() -> None:
        for name, text in old.items():
            paths[name].write_text(text, encoding="utf-8")

    try:
        compile_locks()
    except subprocess.CalledProcessError:
        restore()
        print("lock unchanged: today's releases do not resolve together (pip-compile's message above).")
        return 1
    changes = upgrades(old["test"], paths["test"].read_text(encoding="utf-8"))
    if not changes:
        print("lock: every package is at its newest release already; nothing changed.")
        return 0
    print(f"lock: {len(changes)} upgrades: {describe(changes)}")
    print("lock: running `make test` on them in a fresh venv (as long as a CI run)…", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="tramites-lock-"))
    log = scratch / "make-test.log"
    try:
        if run_suite(scratch / "venv", log):
            print(f"lock refreshed: `make test` passes with {describe(changes)}.")
            return 0
        output = log.read_text(encoding="utf-8", errors="replace")
        restore()
        print(verdict(output, changes, scratch / "venv"))
        shutil.copy(log, HERE / "refresh-failure.log")
        print("(the whole output: requirements/refresh-failure.log)")
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
