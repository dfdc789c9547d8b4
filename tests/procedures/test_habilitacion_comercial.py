"""Habilitación comercial (HAB) end to end through the REST API, GAF sandbox and webhook included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import yaml
from defusedxml import ElementTree

from tests.fixtures.identity import Web
from tests.procedures.conftest import PNG_BYTES, PROCESSES, Case, Platform
from tests.procedures.inspection_slot import seed_inspection_agenda, visited

KEY = "habilitacion_comercial"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


def _application(platform: Platform, **changes: Any) -> dict[str, Any]:
    data = {
        "tipo_persona": "humana", "titular": "María Fernández", "cuit": "27301112224",
        "email": "ciudadana@example.com", "nombre_comercio": "Almacén Don Pepe",
        "domicilio": "San Martín 450", "rubro": "almacen", "superficie": 45,
        "dni_archivo": platform.upload("dni.pdf"), "titulo_archivo": platform.upload("contrato.pdf"),
        "plano_archivo": platform.upload("plano.png", PNG_BYTES),
    }
    return {**data, **changes}


def _started(platform: Platform, **changes: Any) -> Case:
    platform.deploy(KEY)
    return platform.start(KEY, _application(platform, **changes))


def _signed_by_both(platform: Platform, case: Case) -> None:
    """The Directora de Comercio, then the Secretario de Hacienda, sign the licence from their porta firma."""
    platform.seed_demo_users("direccion", "hacienda")
    assert platform.signing_turns("hacienda") == []  # not their turn before the Directora signed
    assert platform.sign_as("direccion") == 1
    assert case.status == "waiting"
    assert platform.sign_as("hacienda") == 1


def _pay(platform: Platform, case: Case) -> dict[str, Any]:
    slip: dict[str, Any] = case.data["boleta"]
    platform.pay(slip["numero"])
    return slip


def test_a_bad_application_is_refused_field_by_field_and_starts_nothing(platform: Platform) -> None:
    platform.deploy(KEY)
    refused = platform.api.start(KEY, _application(platform, cuit="20-30111222-3", rubro="casino", superficie=0))
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert sorted(e["pointer"] for e in refused.get_json()["errors"]) == ["/cuit", "/rubro", "/superficie"]
    assert platform.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"] == []


def test_a_small_shop_is_licensed_without_inspection(platform: Platform) -> None:
    case = _started(platform)
    data = case.data
    assert (data["categoria"], data["tasa"], data["requiere_inspeccion"]) == ("A", "25000.00", False)
    assert case.ready() == ["revisar_documentacion"]
    assert case.task("revisar_documentacion")["candidate_group"] == "mesa_entradas"

    case.complete("revisar_documentacion", {"documentacion_completa": True})

    assert case.status == "waiting" and case.ready() == []
    slip = case.data["boleta"]
    assert slip["importe"] == "25000.00" and slip["estado"] == "pendiente"
    _pay(platform, case)
    assert case.data["pago"]["estado"] == "pagada"
    assert case.ready() == ["resolver"]
    assert case.task("resolver")["candidate_group"] == "direccion_comercio"
    case.complete("resolver", {"decision": "aprobar", "fundamentos": "Documentación completa y tasa abonada."})

    # the licence waits for the officials' signatures: not valid yet, nobody told the applicant
    assert case.status == "waiting" and case.ready() == []
    licence = case.data["licencia"]
    assert platform.verify(licence["codigo"])["verdict"] == "sin firmas"
    assert not any("Finalizó su trámite" in s for s in _subjects(platform, 2))
    _signed_by_both(platform, case)

    final = case.detail
    assert final["status"] == "completed", final
    assert final["data"]["firma_licencia"] == {"firmado": True}
    assert "inspeccionar" not in case.path() and case.path()[-1] == "fin_habilitado"
    titles = [d.title for d in case.documents()]
    # The applicant's files sent with the start join the file first, as the portal's uploads do.
    # Titled by the start form's fields, as on the portal.
    assert titles == ["DNI del titular o representante: dni.pdf", "Plano o croquis del local: plano.png",
                      "Título de propiedad o contrato de locación: contrato.pdf",
                      "Constancia de inicio de trámite de habilitación comercial",
                      "Licencia de habilitación comercial", "Licencia de habilitación comercial (firmado)"]
    verdict = platform.verify(licence["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == case.number
    signers = verdict["certificate"]["signatures"]["signers"]
    assert [(s["name"], s["role"], s["state"]) for s in signers] == [
        ("Silvia Toledo", "Directora de Comercio", "firmado"), ("Roberto Acosta", "Secretario de Hacienda", "firmado")]


def test_a_refused_signature_sends_the_licence_back_to_the_direction_with_the_reason(platform: Platform) -> None:
    case = _started(platform)
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    _pay(platform, case)
    case.complete("resolver", {"decision": "aprobar", "fundamentos": "Documentación completa y tasa abonada."})
    first = case.data["licencia"]["codigo"]
    platform.seed_demo_users("direccion", "hacienda")
    assert platform.sign_as("direccion") == 1
    platform.refuse_signature("hacienda", "La superficie habilitada no coincide con el plano.")

    assert case.status != "completed" and case.ready() == ["resolver"]
    assert case.data["motivo_firma_rechazada"] == "La superficie habilitada no coincide con el plano."
    task = case.task("resolver")
    assert task["candidate_group"] == "direccion_comercio"
    direccion = Web(platform.app.test_client())
    direccion.sign_in("direccion", "demo-direccion")
    shown = direccion.client.get(f"/bandeja/tareas/{task['id']}").get_data(as_text=True)
    assert "La licencia que se emitió no se firmó: «La superficie habilitada no coincide con el plano.»" in shown
    assert platform.verify(first)["verdict"] == "firma rechazada"

    case.complete("resolver", {"decision": "aprobar", "fundamentos": "Superficie verificada con el plano.",
                               "condiciones": "Superficie habilitada: 45 m²."})
    second = case.data["licencia"]["codigo"]
    assert second != first
    _signed_by_both(platform, case)
    assert case.status == "completed" and case.path()[-1] == "fin_habilitado"
    assert platform.verify(second)["verdict"] == "auténtico"
    assert platform.verify(first)["verdict"] == "firma rechazada"


def test_without_a_public_url_the_licence_is_paid_and_certified_at_the_served_port(
        make_platform: Callable[..., Platform]) -> None:
    # `make run PORT=5101`: no TRAMITES_PUBLIC_URL, served on a port that is not the default 5000
    platform = make_platform(PUBLIC_URL=None)
    assert urlsplit(platform.url).port != 5000
    case = _started(platform)
    case.complete("revisar_documentacion", {"documentacion_completa": True})

    assert case.incidents() == [] and case.status == "waiting"  # GAF's sandbox answered in-process
    slip = _pay(platform, case)
    assert slip["url_boleta"] == f"{platform.url}/_sandbox/gaf/boletas/{slip['numero']}"
    case.complete("resolver", {"decision": "aprobar", "fundamentos": "Documentación completa y tasa abonada."})
    _signed_by_both(platform, case)

    final = case.detail
    assert final["status"] == "completed" and case.incidents() == [], final
    licence = final["data"]["licencia"]
    assert licence["url_verificacion"] == f"{platform.url}/verificar/{licence['codigo']}"  # what the QR holds
    mails = "".join(str(m.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
                    for m in platform.mail.wait_for(3))
    assert slip["url_boleta"] in mails and licence["url_verificacion"] in mails, mails


def _subjects(platform: Platform, count: int) -> list[str]:
    return [str(r.message["Subject"]) for r in platform.mail.wait_for(count)]


def _last_mail_text(platform: Platform, count: int) -> str:
    body = platform.mail.wait_for(count)[-1].message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_restaurant_is_inspected_with_photos_before_the_licence(platform: Platform) -> None:
    case = _started(platform, rubro="gastronomia", superficie=120, tipo_persona="juridica",
                    titular="La Esquina SRL", cuit="30712345679")
    assert (case.data["categoria"], case.data["tasa"], case.data["requiere_inspeccion"]) == ("B", "60000.00", True)
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    seed_inspection_agenda(platform)
    _pay(platform, case)
    assert case.ready() == ["elegir_turno"]  # the applicant picks the inspection's slot first
    visited(case)
    assert case.ready() == ["inspeccionar"]
    assert case.task("inspeccionar")["candidate_group"] == "inspeccion"
    assert "se presentó al turno" in case.data["nota_turno"]

    without_photos = case.submit("inspeccionar", {"fecha_inspeccion": "2026-03-05", "resultado_inspeccion": "favorable",
                                                  "informe": "Local en condiciones.", "fotos": []})
    assert without_photos.status_code == 422
    assert "/fotos" in [e["pointer"] for e in without_photos.get_json()["errors"]]
    photos = [platform.upload("salon.png", PNG_BYTES), platform.upload("cocina.png", PNG_BYTES)]
    case.complete("inspeccionar", {"fecha_inspeccion": "2026-03-05", "resultado_inspeccion": "favorable",
                                   "informe": "Salida de emergencia señalizada, matafuegos vigentes.",
                                   "fotos": photos})
    case.complete("resolver", {"decision": "aprobar", "fundamentos": "Inspección favorable y tasa abonada.",
                               "condiciones": "Horario de cierre: 02:00."})
    _signed_by_both(platform, case)

    final = case.detail
    assert final["status"] == "completed", final
    assert final["data"]["fotos"] == photos
    path = case.path()
    assert path.index("pago_recibido") < path.index("inspeccionar") < path.index("resolver")
    assert path[-1] == "fin_habilitado"
    assert platform.verify(final["data"]["licencia"]["codigo"])["verdict"] == "auténtico"
    subjects = _subjects(platform, 3)
    assert any("Finalizó su trámite " + case.number in s for s in subjects), subjects


def test_the_direction_rejects_after_an_unfavourable_inspection(platform: Platform) -> None:
    case = _started(platform, rubro="taller", superficie=300)
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    seed_inspection_agenda(platform)
    _pay(platform, case)
    visited(case)
    case.complete("inspeccionar", {"fecha_inspeccion": "2026-03-05", "resultado_inspeccion": "desfavorable",
                                   "informe": "Sin ventilación ni salida de emergencia.",
                                   "fotos": [platform.upload("taller.png", PNG_BYTES)]})
    case.complete("resolver", {"decision": "rechazar",
                               "fundamentos": "El local no cumple las condiciones de seguridad."})

    final = case.detail
    assert final["status"] == "completed", final
    assert case.path()[-1] == "fin_rechazado" and "licencia" not in final["data"]
    assert [d.title for d in case.documents()][-1] == "Resolución: rechazo de la habilitación comercial"
    assert platform.verify(final["data"]["rechazo"]["codigo"])["verdict"] == "auténtico"
    assert "rechazada" in _last_mail_text(platform, 3)


def test_mesa_asks_for_a_correction_and_the_applicant_answers(platform: Platform) -> None:
    case = _started(platform)
    refused = case.submit("revisar_documentacion", {"documentacion_completa": False})
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/observaciones"]

    case.complete("revisar_documentacion", {"documentacion_completa": False,
                                            "observaciones": "El plano no indica la superficie del depósito."})
    task = case.task("corregir_solicitud")
    assert task["for_applicant"] is True and task["candidate_group"] is None
    assert case.ready() == ["corregir_solicitud"]
    assert "necesita una acción" in _subjects(platform, 2)[-1]
    assert "clock_paused" in [e["type"] for e in case.events()]  # the case's deadline waits for the citizen
    assert platform.advance(timedelta(days=14)) == 0  # two weeks to answer: still in time

    new_plan = platform.upload("plano-corregido.pdf")
    case.complete("corregir_solicitud", {"respuesta": "Adjunto el plano con el depósito; son 130 m².",
                                         "plano_archivo": new_plan, "superficie": 130})
    [resumed] = [e for e in case.events() if e["type"] == "clock_resumed"]
    assert resumed["data"]["business_days"] >= 8
    data = case.data
    assert data["plano_archivo"] == new_plan
    assert (data["categoria"], data["tasa"], data["requiere_inspeccion"]) == ("A+", "40000.00", True)
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    assert case.data["boleta"]["importe"] == "40000.00"
    path = case.path()
    assert path.count("revisar_documentacion") == 2 and path.count("categorizar") == 2


def test_a_correction_never_answered_archives_the_case(platform: Platform) -> None:
    case = _started(platform)
    case.complete("revisar_documentacion", {"documentacion_completa": False,
                                            "observaciones": "Falta el contrato de locación firmado."})
    assert platform.advance(timedelta(days=29)) == 0
    assert case.ready() == ["corregir_solicitud"]
    assert platform.advance(timedelta(days=2)) == 1

    final = case.detail
    assert final["status"] == "completed" and final["tasks"] == []
    assert case.path()[-3:] == ["emitir_archivo", "aviso_archivo", "fin_archivado"]
    assert [d.title for d in case.documents()][-1] == "Constancia de archivo del trámite de habilitación comercial"
    assert platform.verify(final["data"]["archivo"]["codigo"])["verdict"] == "auténtico"
    assert "archivado" in _last_mail_text(platform, 3)


def test_an_unpaid_slip_lets_the_case_expire_with_a_signed_notice(platform: Platform) -> None:
    case = _started(platform)
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    slip = case.data["boleta"]
    assert case.detail["next_timer_at"] is not None

    assert platform.advance(timedelta(days=5)) == 0
    assert case.status == "waiting"
    assert platform.advance(timedelta(days=15)) == 1

    final = case.detail
    assert final["status"] == "completed", final
    assert case.path()[-2:] == ["aviso_caducidad", "fin_caducado"]
    assert final["subscriptions"] == []
    notice = final["data"]["caducidad"]
    assert platform.verify(notice["codigo"])["verdict"] == "auténtico"
    assert [d.title for d in case.documents()][-1] == "Constancia de caducidad del trámite de habilitación comercial"
    body = _last_mail_text(platform, 3)
    assert "caducado" in body and slip["numero"] in body


def test_a_payment_notice_for_another_slip_does_not_move_the_case(platform: Platform) -> None:
    first = _started(platform)
    second = platform.start(KEY, _application(platform, titular="Juan Pérez", cuit="20301112223"))
    for case in (first, second):
        case.complete("revisar_documentacion", {"documentacion_completa": True})
    _pay(platform, second)
    assert first.status == "waiting" and first.ready() == []
    assert second.ready() == ["resolver"]


def test_the_guide_states_every_fee_of_the_decision_table() -> None:
    fees = str(yaml.safe_load((PROCESSES / KEY / "manifest.yaml").read_text(encoding="utf-8"))["fees"])
    table = ElementTree.parse(PROCESSES / KEY / "categoria.dmn").getroot()
    amounts = {cell.text.strip('"') for cell in table.iter(f"{DMN}text") if cell.text and cell.text.endswith('.00"')}
    assert amounts == {"25000.00", "40000.00", "60000.00", "90000.00", "150000.00"}
    for amount in amounts:
        shown = "$ " + f"{int(float(amount)):,}".replace(",", ".")
        assert shown in fees, (shown, fees)
