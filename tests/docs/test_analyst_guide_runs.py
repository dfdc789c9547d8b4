"""The guide's example bundle (docs/guia-analista.md §13) runs as the guide says, on a served platform.

The guide's other test checks that the example validates; this one deploys it and runs it: the
DMN, the correction loop whose postScript merges the new fields into the request, the fee
liquidated at the GAF sandbox with ``importe`` as text, GAF's ``pago_confirmado`` notice
correlated by ``liquidacion`` through the standard retrieval expression, the permit made from
the corrected data, and the business-day expiry of an unanswered correction.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.docs.test_analyst_guide import example_files
from tests.procedures.conftest import (  # noqa: F401  (fixtures used by name)
    PNG_BYTES,
    Case,
    Platform,
    make_platform,
    platform,
    procedures_signing_p12,
)

KEY = "evento_publico"


@pytest.fixture
def guide(platform: Platform, tmp_path: Path) -> Platform:  # noqa: F811
    folder = tmp_path / KEY
    for name, content in example_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    response = platform.api.deploy(folder)
    body = response.get_json()
    assert response.status_code in (200, 201), body
    assert not body.get("warnings"), body["warnings"]
    return platform


def request(platform: Platform) -> dict[str, Any]:  # noqa: F811
    return {
        "organizador": {"nombre": "Asociación Amigos del Parque", "cuit": "30712345671",
                        "email": "amigos@example.com"},
        "evento": {"tipo": "feria", "fecha": "2027-03-20", "asistentes": 80,
                   "ubicacion": {"lat": -26.8303, "lon": -65.2038},
                   "plano": platform.upload("plano.png", PNG_BYTES)},
        "corta_calles": False,
    }


def _asked_to_correct(platform: Platform) -> Case:  # noqa: F811
    case = platform.start(KEY, request(platform))
    assert case.ready() == ["revisar"]
    assert case.task("revisar")["candidate_group"] == "mesa_entradas"
    assert (case.data["riesgo"], case.data["tasa"]) == ("bajo", 15000)
    case.complete("revisar", {"decision": "corregir", "observaciones": "La plaza está ocupada ese día."})
    assert case.ready() == ["corregir"]
    assert case.task("corregir")["for_applicant"]
    return case


def test_the_example_runs_with_the_correction_the_fee_and_the_permit(guide: Platform) -> None:
    case = _asked_to_correct(guide)
    plano = case.data["evento"]["plano"]
    case.complete("corregir", {"nueva_fecha": "2027-03-27"})  # the croquis left blank: kept
    data = case.data
    assert data["evento"]["fecha"] == "2027-03-27" and data["evento"]["plano"] == plano
    assert "nueva_fecha" not in data and "nuevo_plano" not in data
    assert case.ready() == ["revisar"]

    case.complete("revisar", {"decision": "aprobar"})
    waiting = case.detail
    assert [s["message_name"] for s in waiting["subscriptions"]] == ["pago_confirmado"]
    slip = waiting["data"]["boleta"]
    assert slip["importe"] == "15000.00" and waiting["data"]["liquidacion"] == slip["numero"]

    guide.pay(slip["numero"])
    final = case.detail
    assert final["status"] == "completed", final
    assert case.path()[-2:] == ["emitir_permiso", "fin"]
    verified = guide.verify(final["data"]["permiso"]["codigo"])["certificate"]
    shown = {str(row["etiqueta"]): str(row["valor"]) for row in verified["summary"]}
    assert "27/03/2027" in shown["Fecha del evento"] or shown["Fecha del evento"] == "2027-03-27", shown


def test_an_unanswered_correction_is_archived_after_ten_business_days(guide: Platform) -> None:
    case = _asked_to_correct(guide)
    guide.advance(timedelta(days=3))
    assert case.ready() == ["corregir"]
    guide.advance(timedelta(days=30))  # more than ten business days, whatever the holidays
    assert case.status == "completed"
    assert case.path()[-2:] == ["sin_respuesta", "fin_vencido"]
