"""The house keeps its shape: no import circles, no folder of ours past 25 modules, endpoints named after their files.

The import direction itself is checked by import-linter (``setup.cfg``, run by ``make lint``);
these are the rules it cannot express.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bounds", "engine", "forms", "connectors", "portal", "worklists", "storage")
MAX_MODULES_PER_FOLDER = 25


class _Circles:
    """Tarjan's strongly connected components: each group of two or more modules that import
    one another, directly or through others, is a circle."""

    def __init__(self, graph: grimp.ImportGraph) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.found: list[list[str]] = []

    def __call__(self) -> list[list[str]]:
        for module in sorted(self.graph.modules):
            if module not in self.index:
                self._visit(module)
        return self.found

    def _visit(self, module: str) -> None:
        self.index[module] = self.low[module] = len(self.index)
        self.stack.append(module)
        for imported in sorted(self.graph.find_modules_directly_imported_by(module)):
            if imported not in self.index:
                self._visit(imported)
                self.low[module] = min(self.low[module], self.low[imported])
            elif imported in self.stack:
                self.low[module] = min(self.low[module], self.index[imported])
        if self.low[module] == self.index[module]:
            group = self.stack[self.stack.index(module):]
            del self.stack[self.stack.index(module):]
            if len(group) > 1:
                self.found.append(sorted(group))


def test_no_module_of_ours_imports_itself_back_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    assert _Circles(graph)() == []


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    assert _Circles(graph)() == [["a", "b", "c"]]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_folder_holds_more_than_25_modules(package: str) -> None:
    for folder in [ROOT / package, *(ROOT / package).rglob("*")]:
        if folder.is_dir() and "migrations" not in folder.parts and "__pycache__" not in folder.parts:
            modules = [m for m in folder.glob("*.py") if m.name != "__init__.py"]
            assert len(modules) <= MAX_MODULES_PER_FOLDER, f"{folder.relative_to(ROOT)}: {len(modules)} modules"


def test_each_blueprint_is_named_after_its_module(identity_app: Flask) -> None:
    """An endpoint names the file it lives in: ``case_view.show`` is in ``worklists/case_view.py``.

    Three readings of "its module": the API's blueprints share their nouns with pages (tasks,
    incidents, documents), so theirs carry ``api_``; a package's ``views`` module is named after
    the package (``open311``); a connector's, after the connector and the module (``gaf_sandbox``),
    and a connector's blueprint mounted once more takes its mount's name after that
    (``gaf_sandbox_pruebas``, the test cases' GAF sandbox).
    """
    misnamed = []
    for name, blueprint in identity_app.blueprints.items():
        ours = blueprint.import_name.split(".", 1)[0] in PACKAGES
        expected = _expected_name(blueprint.import_name)
        second_mount = blueprint.import_name.startswith("connectors.") and name.startswith(expected + "_")
        if ours and name != expected and not second_mount:
            misnamed.append(f"{blueprint.import_name}: {name}")
    assert misnamed == []


def _expected_name(import_name: str) -> str:
    parts = import_name.split(".")
    if parts[:3] == ["engine", "api", "v1"]:
        return f"api_{parts[-1]}"
    if parts[-1] == "views":
        return parts[-2]
    if parts[0] == "connectors":
        return f"{parts[-2]}_{parts[-1]}"
    return parts[-1]


def test_templates_name_no_role_group_or_procedure() -> None:
    """Who sees a link is the page's own access rule (``may_open``); what a procedure adds to the
    staff pages is its panel (``worklists.web.add_case_panel``): templates name neither."""
    from engine.identity.accounts import ROLES

    quoted = "|".join(re.escape(role) for role in ROLES)
    membership = r"['\"][\w-]+['\"]\s+(not\s+)?in\s+[\w.]*(role_set|group_names|roles)\b"
    forbidden = re.compile(rf"\{{%[^%]*(['\"]({quoted})['\"]|{membership}|process_key\s*==)[^%]*%\}}")
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}"
             for front in ("portal", "worklists") for path in (ROOT / front).rglob("*.html")
             for match in forbidden.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
