"""What a bundle declares about what people see is checked at deploy, and the payment step is the declared one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from engine.casefile import payment
from engine.workflow.bundles import bundle_from_files, bundle_from_path
from engine.workflow.validation import validate_bundle

DATA = Path(__file__).resolve().parents[1] / "data"
CORTE = DATA / "portal" / "corte_calles"
GAF = DATA / "bundles" / "gaf_pago"
SLIP = {"numero": "L-2026-000123", "importe": "120000.00", "vencimiento": "2026-12-21",
        "url_boleta": "https://gaf.example/boletas/L-2026-000123", "codigo_pago": "0001"}


def _with(folder: Path, manifest: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> Any:
    files = {n: c for n, c in bundle_from_path(folder).files.items() if n not in drop}
    if manifest is not None:
        current = yaml.safe_load(files["manifest.yaml"])
        files["manifest.yaml"] = yaml.safe_dump({**current, **manifest}, allow_unicode=True).encode()
    return bundle_from_files(files)


def _report(bundle: Any) -> Any:
    return validate_bundle(bundle, frozenset({"gaf/liquidar_tasa"}))[1]


def test_the_shipped_declarations_pass() -> None:
    assert [p for p in _report(_with(CORTE)).problems if p["file"] == "manifest.yaml"] == []
    assert [p for p in _report(_with(GAF)).problems if p["file"] == "manifest.yaml"] == []


def test_a_payment_message_the_bpmn_lacks_is_refused() -> None:
    report = _report(_with(GAF, {"pago": {"mensaje": "pago_tasa", "boleta": "boleta"}}))
    found = [p for p in report.problems if p["element"] == "pago.mensaje"]
    assert found and "«pago_tasa» no está en el BPMN" in found[0]["message"]
    assert "pago_confirmado" in found[0]["message"]


def test_a_payment_without_its_slip_variable_is_refused() -> None:
    report = _report(_with(GAF, {"pago": {"mensaje": "pago_confirmado"}}))
    assert [p["element"] for p in report.problems if p["file"] == "manifest.yaml"] == ["pago"]


def test_a_summary_for_an_unknown_audience_or_a_bad_item_is_refused() -> None:
    report = _report(_with(CORTE, {"resumen": {"vecinos": ["nombre"], "personal": [{"etiqueta": "Sin campo"}]}}))
    elements = sorted(p["element"] for p in report.problems if p["file"] == "manifest.yaml")
    assert elements == ["resumen.personal", "resumen.vecinos"]


def test_an_enum_without_labels_is_a_warning_naming_file_and_field() -> None:
    assert not [w for w in _report(_with(CORTE)).warnings if "sin etiquetas" in w["message"]]
    report = _report(_with(CORTE, drop=("solicitud.uischema.json",)))
    found = [w for w in report.warnings if "sin etiquetas" in w["message"]]
    assert [(w["file"], w["element"]) for w in found] == [("solicitud.schema.json", "evento.escala")]


def _case(manifest: dict[str, Any], data: dict[str, Any]) -> Any:
    return SimpleNamespace(deployment=SimpleNamespace(manifest=manifest), data=data)


def test_the_slip_comes_from_the_declared_variable_written_es_ar() -> None:
    declared = {"pago": {"mensaje": "pago_confirmado", "boleta": "tasa.boleta"}}
    [slip] = payment.slips(_case(declared, {"tasa": {"boleta": SLIP}}))
    assert (slip.amount, slip.due, slip.number, slip.code) == ("$ 120.000,00", "21/12/2026", "L-2026-000123", "0001")


def test_without_a_declaration_nothing_is_guessed_from_names() -> None:
    assert payment.slips(_case({}, {"boleta": SLIP, "pago_previo": SLIP})) == []
    assert payment.declared({"pago": {"mensaje": "pago_confirmado", "boleta": "boleta"}}) == \
        payment.PaymentStep("pago_confirmado", "boleta")
