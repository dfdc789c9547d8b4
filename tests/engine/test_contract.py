"""The bundle's contract registry: unknown manifest keys, wrong shapes and missing named files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from engine.workflow.bundles import bundle_from_files, bundle_from_path
from engine.workflow.validation import contract, validate_bundle
from tests.fixtures.engine import BUNDLES

Collected = list[tuple[str, str, str]]
ROOT = Path(__file__).resolve().parents[2]


def check(manifest: dict[str, Any], files: dict[str, bytes] | None = None) -> tuple[Collected, Collected]:
    warnings: Collected = []
    problems: Collected = []
    contract.check_manifest(manifest, files or {}, lambda *w: warnings.append(w), lambda *p: problems.append(p))
    return warnings, problems


@pytest.mark.parametrize(("written", "meant"), [
    ("plazo_dias_habil", "plazo_dias_habiles"),
    ("star_form", "start_form"),
    ("Start_UI_Form", "start_ui_form"),
    ("resumenes", "resumen"),
    ("iniciadopor", "iniciado_por"),
])
def test_an_unknown_key_is_a_warning_that_suggests_the_known_one(written: str, meant: str) -> None:
    warnings, problems = check({"key": "k", "name": "N", written: 1})
    assert problems == []
    assert warnings == [("manifest.yaml", written,
                         f"La plataforma no lee la clave «{written}» del manifiesto. ¿Quiso decir «{meant}»?")]


def test_a_key_far_from_every_known_one_gets_no_suggestion() -> None:
    warnings, _ = check({"key": "k", "name": "N", "xyzzy": True})
    assert warnings == [("manifest.yaml", "xyzzy", "La plataforma no lee la clave «xyzzy» del manifiesto.")]


def test_every_known_key_and_the_computed_ones_pass_silently() -> None:
    manifest = {"key": "k", "name": "N", "case_prefix": "EVP", "category": "C", "description": "D",
                "requirements": ["a"], "fees": "Sin costo", "expected_duration": "1 día hábil",
                "plazo_dias_habiles": 1, "channels": ["web"], "guia": True, "iniciado_por": ["mesa_entradas"],
                "start_form": "s.schema.json", "start_ui_form": "s.uischema.json",
                "pago": {"mensaje": "pago_tasa", "boleta": "boleta"}, "resumen": {"ciudadano": ["a"]},
                "archivo": {"conservacion_anios": 5, "destino": "destruir"},
                "rechazo": {"campo": "decision", "valores": ["rechazar"]}, "message_starts": ["x"]}
    assert set(manifest) - {"message_starts"} == set(contract.MANIFEST_KEYS)
    assert check(manifest, {"s.schema.json": b"{}", "s.uischema.json": b"{}"}) == ([], [])


@pytest.mark.parametrize(("key", "value", "kind"), [
    ("channels", "web", "lista de textos"),
    ("guia", "no", "sí/no"),
    ("pago", "pago_tasa", "mapa {mensaje, boleta}"),
    ("resumen", ["organizador.nombre"], "mapa {ciudadano, personal, seguimiento}"),
])
def test_a_value_of_the_wrong_shape_is_a_warning(key: str, value: Any, kind: str) -> None:
    warnings, problems = check({"key": "k", "name": "N", key: value})
    assert problems == []
    assert warnings == [("manifest.yaml", key, f"«{key}» debería ser {kind}; la plataforma puede ignorarlo.")]


def test_a_form_the_manifest_names_must_be_in_the_bundle() -> None:
    warnings, problems = check({"key": "k", "name": "N", "start_form": "falta.schema.json"})
    assert warnings == []
    assert problems == [("manifest.yaml", "start_form",
                         "«start_form» nombra el archivo «falta.schema.json», que no está en el paquete.")]


def test_the_validator_reports_them_with_the_rest() -> None:
    files = {path.name: path.read_bytes() for path in (BUNDLES / "simple").iterdir() if path.name != "manifest.yaml"}
    files["manifest.yaml"] = b"key: tramite_simple\nname: Simple\nplazo_dias_habil: 3\nstart_form: no.schema.json\n"
    _parsed, report = validate_bundle(bundle_from_files(files), frozenset())
    assert {"file": "manifest.yaml", "element": "plazo_dias_habil",
            "message": "La plataforma no lee la clave «plazo_dias_habil» del manifiesto. "
                       "¿Quiso decir «plazo_dias_habiles»?"} in report.warnings
    assert [p["element"] for p in report.problems] == ["start_form"]


#: ``manifest.get("x")`` (Python), ``MANIFEST_FIELD = "x"`` (a module's key), ``manifest.x %}`` (Jinja).
_READS = re.compile(r"manifest(?: or \{\}\))?\.get\(\"(\w+)\"|MANIFEST_FIELD\s*=\s*\"(\w+)\""
                    r"|manifest\.([a-z_]+)\s*(?:%\}|\}\})")


def test_every_key_the_code_reads_is_in_the_registry() -> None:
    """A key read somewhere in the platform but missing from the registry would be warned about and undocumented."""
    read: set[str] = set()
    for folder in ("engine", "portal", "worklists"):
        for path in (ROOT / folder).rglob("*"):
            # A backup's manifest.json (engine/backup, engine/cli/backup.py) is another document sharing the word.
            backup = "backup" in path.relative_to(ROOT).parts or path.name == "backup.py"
            if path.suffix in (".py", ".html") and not backup:
                read |= {"".join(m) for m in _READS.findall(path.read_text(encoding="utf-8"))}
    assert {"start_form", "plazo_dias_habiles", "iniciado_por", "guia", "description"} <= read
    assert read - set(contract.MANIFEST_KEYS) - contract.COMPUTED_MANIFEST_KEYS == set()


def _model(*properties: str) -> bytes:
    rows = "".join(f'<spiffworkflow:property name="{name}" value="x"/>' for name in properties)
    return (f'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            f'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">'
            f'<bpmn:process id="p" isExecutable="true"><bpmn:userTask id="revisar"><bpmn:extensionElements>'
            f'<spiffworkflow:properties>{rows}</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
            f'</bpmn:process></bpmn:definitions>').encode()


def test_a_task_property_the_platform_does_not_read_is_a_warning_with_a_suggestion() -> None:
    warnings: Collected = []
    contract.check_task_properties("p.bpmn", _model("formJsonSchemaFilename", "candidateGrup", "color"),
                                   lambda *w: warnings.append(w))
    assert warnings == [
        ("p.bpmn", "revisar", "La plataforma no lee la propiedad «candidateGrup» de la tarea. "
                              "¿Quiso decir «candidateGroup»?"),
        ("p.bpmn", "revisar", "La plataforma no lee la propiedad «color» de la tarea."),
    ]


def test_every_property_the_platform_reads_passes_and_a_broken_file_is_left_to_the_parser() -> None:
    warnings: Collected = []
    contract.check_task_properties("p.bpmn", _model(*contract.EXTENSION_PROPERTIES), lambda *w: warnings.append(w))
    contract.check_task_properties("roto.bpmn", b"<bpmn:definitions", lambda *w: warnings.append(w))
    assert warnings == []


PROCEDURES = sorted(p for p in (ROOT / "processes").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", PROCEDURES, ids=lambda p: p.name)
def test_every_shipped_procedure_keeps_to_the_contract(folder: Path) -> None:
    found: Collected = []
    contract.check_bundle(bundle_from_path(folder), lambda *w: found.append(w), lambda *p: found.append(p))
    assert found == []
