"""Certificado catastral (CAT) end to end: the cadastre connector on the sample parcels, GAF and its webhook."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import yaml
from defusedxml import ElementTree

from tests.procedures.conftest import PROCESSES, Case, Platform

KEY = "certificado_catastral"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
# Parcel 100001 of the sample cadastre (connectors/catastro/data/parcelas_smt.geojson).
PADRON = "100001"
NOMENCLATURA = "S2-C1-M001-P001"
INSIDE = {"lat": -26.8241764, "lon": -65.210789}


def _application(**changes: Any) -> dict[str, Any]:
    data = {"nombre": "María Fernández", "dni": "30111222", "email": "ciudadana@example.com",
            "motivo": "compraventa", "identificacion": "padron", "padron": PADRON, **changes}
    return {k: v for k, v in data.items() if v is not None}


def _started(platform: Platform, **changes: Any) -> Case:
    platform.deploy(KEY)
    return platform.start(KEY, _application(**changes))


def _paid(platform: Platform, case: Case) -> None:
    assert case.status == "waiting" and case.ready() == []
    platform.pay(case.data["boleta"]["numero"])
    assert case.ready() == ["revisar_datos"]
    # GAF knows the slip by the case number, and says so in its payment notice
    assert case.data["pago"]["referencia"] == case.number


def _mail_texts(platform: Platform, count: int) -> list[tuple[str, str]]:
    """Subject and plain text of the e-mails received so far (at least ``count``)."""
    texts = []
    for received in platform.mail.wait_for(count):
        body = received.message.get_body(("plain",))
        assert body is not None
        texts.append((str(received.message["Subject"]), str(body.get_content())))
    return texts


def test_the_parcel_must_be_identified_the_way_the_applicant_chose(platform: Platform) -> None:
    platform.deploy(KEY)
    refused = platform.api.start(KEY, _application(identificacion="punto"))
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/ubicacion"]
    outside = platform.api.start(KEY, _application(identificacion="punto", ubicacion={"lat": -34.6, "lon": -58.4}))
    assert outside.status_code == 422
    assert sorted(e["pointer"] for e in outside.get_json()["errors"]) == ["/ubicacion/lat", "/ubicacion/lon"]


def test_a_parcel_found_by_number_gets_its_certificate(platform: Platform) -> None:
    case = _started(platform)
    assert case.incidents() == [], [i["message"] for i in case.incidents()]
    data = case.data
    assert data["consulta"]["encontrada"] is True
    assert data["parcela"]["nomenclatura"] == NOMENCLATURA
    assert (data["tipo_certificado"], data["tasa"], data["incluye_valuacion"]) == ("con valuación fiscal",
                                                                                  "12000.00", True)
    assert data["boleta"]["importe"] == "12000.00"
    assert data["mapa"]["trazos"] and data["mapa"]["barra_m"] > 0
    # the applicant gets the slip by e-mail, with the case number and how to pay
    [(subject, text)] = _mail_texts(platform, 1)
    assert subject == f"Su trámite {case.number} necesita una acción de su parte"
    slip = data["boleta"]
    assert all(part in text for part in (slip["numero"], slip["codigo_pago"], slip["url_boleta"], "$ 12.000,00"))
    _paid(platform, case)
    assert case.task("revisar_datos")["candidate_group"] == "catastro"

    case.complete("revisar_datos", {"decision": "emitir"})

    final = case.detail
    assert final["status"] == "completed", final
    assert case.path()[-1] == "fin_emitido"
    certificate = final["data"]["certificado"]
    assert final["data"]["correcciones"] == []
    [document] = case.documents()
    assert (document.kind, document.title) == ("signed", "Certificado catastral")
    verdict = platform.verify(certificate["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == case.number
    subject, text = _mail_texts(platform, 2)[-1]
    assert subject.startswith(f"Finalizó su trámite {case.number}") and certificate["url_verificacion"] in text


def test_a_point_on_the_map_finds_the_parcel_and_the_officer_corrects_its_data(platform: Platform) -> None:
    case = _started(platform, identificacion="punto", padron=None, ubicacion=INSIDE, motivo="otro")
    assert case.data["parcela"]["padron"] == int(PADRON)
    assert (case.data["tipo_certificado"], case.data["tasa"]) == ("simple", "8000.00")
    _paid(platform, case)

    refused = case.submit("revisar_datos", {"decision": "emitir", "correccion_superficie_m2": -3})
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/correccion_superficie_m2"]
    registered = case.data["parcela"]["superficie_m2"]
    case.complete("revisar_datos", {"decision": "emitir", "correccion_superficie_m2": 1402.5,
                                    "correccion_titular": "Pérez, Ana", "observaciones": "Según mensura 2025."})

    data = case.data
    assert case.status == "completed"
    assert data["parcela_certificada"]["superficie_m2"] == 1402.5
    assert data["parcela"]["superficie_m2"] == registered  # the cadastre's answer stays on file
    assert [c["campo"] for c in data["correcciones"]] == ["Titular", "Superficie (m²)"]
    assert platform.verify(data["certificado"]["codigo"])["verdict"] == "auténtico"


def test_an_unknown_parcel_is_sent_back_to_the_applicant_who_corrects_it(platform: Platform) -> None:
    case = _started(platform, padron="999999")
    assert case.data["consulta"] == {"encontrada": False, "parcela": None, "geometria": None}
    task = case.task("corregir_identificacion")
    assert task["for_applicant"] is True and case.ready() == ["corregir_identificacion"]
    assert "boleta" not in case.data
    # the applicant is told by e-mail, with the case number
    [(subject, text)] = _mail_texts(platform, 1)
    assert subject == f"Su trámite {case.number} necesita una acción de su parte"
    assert "Corregir la identificación de la parcela" in text and case.number in text

    missing = case.submit("corregir_identificacion", {"identificacion": "nomenclatura"})
    assert missing.status_code == 422
    assert [e["pointer"] for e in missing.get_json()["errors"]] == ["/nomenclatura"]
    case.complete("corregir_identificacion", {"identificacion": "nomenclatura", "nomenclatura": NOMENCLATURA})

    assert case.data["parcela"]["padron"] == int(PADRON)
    path = case.path()
    assert path.index("buscar_por_padron") < path.index("corregir_identificacion") < path.index(
        "buscar_por_nomenclatura")
    _paid(platform, case)


def test_catastro_refuses_to_certify_a_parcel_that_needs_regularisation(platform: Platform) -> None:
    case = _started(platform, identificacion="nomenclatura", padron=None, nomenclatura=NOMENCLATURA)
    _paid(platform, case)
    refused = case.submit("revisar_datos", {"decision": "rechazar"})
    assert refused.status_code == 422 and "/observaciones" in [e["pointer"] for e in refused.get_json()["errors"]]
    case.complete("revisar_datos", {"decision": "rechazar",
                                    "observaciones": "La parcela tiene una unificación sin registrar."})

    final = case.detail
    assert final["status"] == "completed" and case.path()[-1] == "fin_rechazado"
    assert "certificado" not in final["data"]
    [document] = case.documents()
    assert document.title == "Resolución: no se emite el certificado catastral"
    assert platform.verify(final["data"]["rechazo"]["codigo"])["verdict"] == "auténtico"


def test_an_unpaid_slip_lets_the_request_expire(platform: Platform) -> None:
    case = _started(platform)
    assert platform.advance(timedelta(days=10)) == 0
    assert case.status == "waiting"
    assert platform.advance(timedelta(days=7)) == 1

    final = case.detail
    assert final["status"] == "completed" and case.path()[-1] == "fin_caducado"
    assert platform.verify(final["data"]["caducidad"]["codigo"])["verdict"] == "auténtico"
    texts = [text for _subject, text in _mail_texts(platform, 2)]
    assert "caducado" in texts[-1] and case.data["boleta"]["numero"] in texts[-1]


def test_an_applicant_who_never_corrects_the_parcel_has_the_request_archived(platform: Platform) -> None:
    case = _started(platform, padron="999999")
    assert platform.advance(timedelta(days=29)) == 0
    assert case.ready() == ["corregir_identificacion"]
    assert platform.advance(timedelta(days=2)) == 1
    assert case.status == "completed" and case.ready() == []
    assert case.path()[-2:] == ["sin_respuesta", "fin_desistido"]


def test_the_guide_states_every_fee_of_the_decision_table() -> None:
    fees = str(yaml.safe_load((PROCESSES / KEY / "manifest.yaml").read_text(encoding="utf-8"))["fees"])
    table = ElementTree.parse(PROCESSES / KEY / "tasa.dmn").getroot()
    amounts = {cell.text.strip('"') for cell in table.iter(f"{DMN}text") if cell.text and cell.text.endswith('.00"')}
    assert amounts == {"12000.00", "8000.00"}
    for amount in amounts:
        shown = "$ " + f"{int(float(amount)):,}".replace(",", ".")
        assert shown in fees, (shown, fees)
