"""The analyst's guide (docs/guia-analista.md) documents the whole contract, and its examples are valid.

Every manifest key, task extension, layout block and connector operation the platform knows
must appear in the guide; the fenced examples it tags are checked: the blocks named after a
file form a complete bundle that ``tramites validate`` accepts, each ``yaml manifest`` fragment
is validated inside that bundle, form fragments against the forms package, scripts and
expressions in the sandbox's compiler, and DMN cells by SpiffWorkflow's DMN engine.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from defusedxml.ElementTree import fromstring as safe_fromstring
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

import forms
from connectors.documents.render import BASE_TEMPLATE_DIR
from connectors.registry import ConnectorRegistry
from engine import sandbox
from engine.workflow.bundles import bundle_from_files
from engine.workflow.spiff import ScriptEngine
from engine.workflow.validation import contract, validate_bundle

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guia-analista.md"
TEXT = GUIDE.read_text(encoding="utf-8")
_FENCE = re.compile(r"^```(\w+)(?:[ \t]+(\S+))?[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Fence:
    """A fenced block of the guide: its language, its tag (a file name or a kind) and its text."""

    language: str
    tag: str
    body: str
    line: int


def fences() -> list[Fence]:
    return [Fence(m.group(1), m.group(2) or "", m.group(3), TEXT.count("\n", 0, m.start()) + 1)
            for m in _FENCE.finditer(TEXT)]


def tagged(tag: str) -> list[Fence]:
    found = [f for f in fences() if f.tag == tag]
    assert found, f"the guide has no block tagged {tag!r}"
    return found


def example_files() -> dict[str, bytes]:
    """The example bundle: every block whose tag is a file name (``manifest.yaml``, ``permiso/template.html``)."""
    files = {f.tag: f.body.encode("utf-8") for f in fences() if "." in f.tag}
    assert contract.MANIFEST_FILE in files, "the guide's example bundle has no manifest.yaml"
    return files


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    built = ConnectorRegistry()
    built.load_builtins({}, environ={})
    return built


def validate(files: dict[str, bytes], registry: ConnectorRegistry) -> tuple[list[Any], list[Any]]:
    _parsed, report = validate_bundle(bundle_from_files(files), registry.operations(), None,
                                      registry.validate_literal_params)
    return report.problems, report.warnings


# --- the contract is documented ---------------------------------------------------------------

def _documented(names: Iterator[str] | list[str], fmt: str = "`{}`") -> list[str]:
    return [name for name in names if fmt.format(name) not in TEXT]


def test_every_manifest_key_is_in_the_guide() -> None:
    assert {"pago", "resumen", "start_form", "start_ui_form"} <= set(contract.MANIFEST_KEYS)
    assert _documented(list(contract.MANIFEST_KEYS)) == []
    # the table row, not a passing mention: one row per key
    assert _documented(list(contract.MANIFEST_KEYS), "| `{}` |") == []


def test_every_extension_property_and_element_is_in_the_guide() -> None:
    assert _documented(list(contract.EXTENSION_PROPERTIES), "| `{}` |") == []
    assert _documented(list(contract.EXTENSION_ELEMENTS), "| `{}` |") == []


def test_every_block_of_the_platform_layout_is_in_the_guide() -> None:
    blocks = contract.layout_blocks_of(BASE_TEMPLATE_DIR / "layout.html")
    assert {"cuerpo", "encabezado_extra", "estilos"} <= set(blocks)
    assert _documented(blocks, "| `{}` |") == []


def test_every_connector_operation_is_in_the_guide(registry: ConnectorRegistry) -> None:
    assert registry.operations()
    assert _documented(sorted(registry.operations()), "| `{}` |") == []


def test_each_operation_row_names_its_parameters_and_marks_the_required_ones(registry: ConnectorRegistry) -> None:
    rows = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r"^\| `(\w+/\w+)` \| (.*) \| (.*) \|$", TEXT,
                                                                       re.MULTILINE)}
    for operation in registry.describe():
        params, result = rows[operation["name"]]
        schema = operation["params"]
        for name in schema.get("properties", {}):
            required = name in schema.get("required", [])
            assert (f"`{name}`\\*" in params) is required, (operation["name"], name, required)
            assert f"`{name}`" in params, (operation["name"], name)
        for name in (operation["result"] or {}).get("properties", {}):
            assert f"`{name}`" in result, (operation["name"], name)


def test_layout_blocks_are_read_from_the_template_text() -> None:
    text = '{% extends "x" %}{% block a %}{% endblock %}{%- block b_2 -%}{% block a %}'
    assert contract.layout_blocks(text) == ["a", "b_2"]


# --- the examples are valid -------------------------------------------------------------------

def test_the_example_bundle_has_no_problem_and_no_warning(registry: ConnectorRegistry) -> None:
    files = example_files()
    assert {"evento_publico.bpmn", "riesgo.dmn", "solicitud.schema.json", "permiso/template.html"} <= set(files)
    assert validate(files, registry) == ([], [])


def test_the_example_bundle_passes_tramites_validate(runner: Any, tmp_path: Path) -> None:
    folder = tmp_path / "evento_publico"
    for name, content in example_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    result = runner.invoke(args=["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "sin problemas" in result.output


def test_the_layout_shown_is_the_example_bundle() -> None:
    names: list[str] = []
    folder = ""
    for line in tagged("arbol")[0].body.splitlines()[1:]:  # the first line is the bundle's folder
        name = line.lstrip("│├└─ ")
        if name.endswith("/"):
            folder = name
        else:
            names.append(folder + name if line.startswith(" ") else name)
    assert sorted(names) == sorted(example_files())


@pytest.mark.parametrize("fence", tagged("manifest"), ids=lambda f: f"linea-{f.line}")
def test_each_manifest_example_passes_inside_the_example_bundle(fence: Fence, registry: ConnectorRegistry) -> None:
    files = example_files()
    manifest = yaml.safe_load(files[contract.MANIFEST_FILE])
    manifest.update(yaml.safe_load(fence.body))
    files[contract.MANIFEST_FILE] = yaml.safe_dump(manifest, allow_unicode=True).encode("utf-8")
    assert validate(files, registry) == ([], [])


@pytest.mark.parametrize("fence", [f for f in fences() if f.tag == "schema" or f.tag.endswith(".schema.json")],
                         ids=lambda f: f"linea-{f.line}")
def test_each_form_schema_example_is_a_valid_form(fence: Fence) -> None:
    forms.check_schema(json.loads(fence.body))


@pytest.mark.parametrize("fence", [f for f in fences() if f.tag == "uischema" or f.tag.endswith(".uischema.json")],
                         ids=lambda f: f"linea-{f.line}")
def test_each_ui_schema_example_is_an_object(fence: Fence) -> None:
    assert isinstance(json.loads(fence.body), dict)


@pytest.mark.parametrize(("tag", "mode"), [("guion", "exec"), ("expresion", "eval")])
def test_each_script_example_compiles_in_the_sandbox(tag: str, mode: str) -> None:
    for fence in tagged(tag):
        assert sandbox.check_compiles(fence.body, mode) == [], f"línea {fence.line}"


def _dmn_cell_problems(cell: str) -> list[str]:
    """Evaluate a DMN input cell with SpiffWorkflow's own DMN engine and our sandbox, as a case would.

    The input expression is a plain name (``entrada``), the hardest case: the library glues
    an operator cell to it without a space (``entradain (…)``). A refused cell fails to
    compile or to run; an accepted one may be true or false but runs.
    """
    workflow = SimpleNamespace(script_engine=ScriptEngine(), spec=SimpleNamespace(file="riesgo.dmn"))
    workflow.top_workflow = workflow
    task = SimpleNamespace(workflow=workflow, data={"entrada": 300, "corta_calles": True},
                           task_spec=SimpleNamespace(bpmn_id="celda", name="celda", bpmn_name="celda"))
    match = None if cell == "-" else cell  # the DMN parser reads "-" as "any value"
    try:
        DMNEngine(None).evaluate("entrada", match, task)
    except Exception as e:  # SyntaxError, or the library's WorkflowTaskException around the sandbox's error
        return [f"{type(e).__name__}: {e}"]
    return []


def test_the_dmn_cells_the_guide_accepts_run() -> None:
    cells = [line.strip() for line in tagged("celdas-dmn")[0].body.splitlines() if line.strip()]
    assert len(cells) >= 5
    assert {cell: _dmn_cell_problems(cell) for cell in cells} == {cell: [] for cell in cells}


def test_the_dmn_cells_the_guide_refuses_fail() -> None:
    cells = [line.strip() for line in tagged("celdas-dmn-rechazadas")[0].body.splitlines() if line.strip()]
    assert {"between 200 and 1000", 'in ("cultural", "feria")'} <= set(cells)
    assert [cell for cell in cells if not _dmn_cell_problems(cell)] == []


_NAMESPACES = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
               'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


@pytest.mark.parametrize("fence", [f for f in fences() if f.language == "xml" and not f.tag],
                         ids=lambda f: f"linea-{f.line}")
def test_each_bpmn_snippet_is_well_formed(fence: Fence) -> None:
    """Snippets are parts of a model: inside a root that declares the namespaces, they parse."""
    safe_fromstring(f"<fragmento {_NAMESPACES}>{fence.body}</fragmento>")


# --- links --------------------------------------------------------------------------------------

def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = unicodedata.normalize("NFC", heading.strip().lower().replace("`", ""))
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_the_guides_internal_links_resolve() -> None:
    anchors = {_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", TEXT, re.MULTILINE)}
    links = re.findall(r"\]\(([^)\s]+)\)", TEXT)
    assert links
    for link in links:
        if link.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, fragment = link.partition("#")
        if path:
            assert (GUIDE.parent / path).is_file(), link
        else:
            assert fragment in anchors, link


def test_readme_and_engine_page_link_the_guide() -> None:
    assert "docs/guia-analista.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(guia-analista.md)" in (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")


# --- what the platform fixes, as the guide states it --------------------------------------------

def test_every_script_helper_has_its_row() -> None:
    """The business-day helpers of scripts (``hoy()``, ``dias_habiles(n)``…) are each a row of §4's table."""
    from engine.deadlines.scripting import USAGE

    assert _documented(list(USAGE.values()), "| `{}` |") == []


def _template_keys(name: str) -> set[str]:
    """The ``datos`` keys a notification e-mail reads (both its text and its HTML part)."""
    folder = ROOT / "connectors" / "notify" / "templates"
    text = "".join((folder / f"{name}.{ext}").read_text(encoding="utf-8") for ext in ("txt", "html"))
    used = set(re.findall(r"{{-?\s*(\w+)", text)) | set(re.findall(r"\bif\s+(\w+)\s+is\s+defined", text))
    return used - {"asunto", "boton"}  # the subject the template sets itself; the button macro


def test_each_email_template_row_names_the_data_keys_it_reads() -> None:
    from connectors.notify.mail import TEMPLATES

    rows = {m.group(1): set(re.findall(r"`(\w+)`", m.group(2)))
            for m in re.finditer(r"^\| `(\w+)` \| (`.*`) \|$", TEXT, re.MULTILINE)}
    for name in TEMPLATES:
        assert rows.get(name) == _template_keys(name), name


def test_the_gaf_payment_message_is_the_one_the_example_waits_for() -> None:
    from connectors.gaf import PAYMENT_MESSAGE

    manifest = yaml.safe_load(example_files()[contract.MANIFEST_FILE])
    assert manifest["pago"]["mensaje"] == PAYMENT_MESSAGE == "pago_confirmado"
    bpmn = example_files()["evento_publico.bpmn"].decode("utf-8")
    assert f'name="{PAYMENT_MESSAGE}"' in bpmn
    assert "<bpmn:formalExpression>liquidacion</bpmn:formalExpression>" in bpmn  # GAF correlates by it


_BREAKS = {  # the three mistakes §12 shows, applied to the example bundle
    "evento_publico.bpmn": [("<spiffworkflow:calledDecisionId>riesgo_evento<",
                             "<spiffworkflow:calledDecisionId>riesgo_eventos<"),
                            ("<bpmn:timeDuration>dias_habiles(10)</bpmn:timeDuration>",
                             "<bpmn:timeDuration>P15D</bpmn:timeDuration>")],
    "riesgo.dmn": [("200 &lt; ? &lt; 1000", "between 200 and 1000")],
}


def test_the_validate_output_shown_is_what_validate_says(registry: ConnectorRegistry) -> None:
    files = example_files()
    for name, changes in _BREAKS.items():
        text = files[name].decode("utf-8")
        for old, new in changes:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        files[name] = text.encode("utf-8")
    problems, _warnings = validate(files, registry)
    said = [f"  - {p['file']} {p['element']} (línea {p['line']}): {p['message']}" for p in problems]
    shown = [line for line in tagged("salida-validate")[0].body.splitlines() if line.strip()]
    assert said == shown
