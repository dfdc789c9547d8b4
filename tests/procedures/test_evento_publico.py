"""Permiso para evento en espacio público (EV) end to end through the REST API.

The bundle was written the way an analyst writes one (docs and shipped bundles only): a DMN
decides the risk and the fee; Mesa de Entradas reviews with a correction loop whose deadline
archives the case; Defensa Civil reviews only high-risk events and Tránsito only street
closures, in parallel when both apply; the Dirección de Espacios Públicos grants; the fee is
paid at the GAF sandbox; the permit is a signed certificate made from the corrected data.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree

from engine.identity.accounts import ensure_group
from engine.uow import unit_of_work
from engine.workflow.tasks import group_of_lane
from tests.deadlines.common import set_holidays
from tests.procedures.conftest import PNG_BYTES, PROCESSES, Case, Platform

KEY = "evento_publico"
CITY = ZoneInfo("America/Argentina/Tucuman")
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
#: Plaza Independencia.
PLAZA = {"direccion": "Plaza Independencia", "lat": -26.8303, "lon": -65.2038}
MESA_OK = {"revision": "completa"}


def city_today(platform: Platform) -> date:
    return platform.clock.now.astimezone(CITY).date()


def solicitud(platform: Platform, asistentes: int = 80, tipo: str = "feria", corte: bool = False,
              **extra: Any) -> dict[str, Any]:
    """Start data of an event a month from the city's today."""
    data: dict[str, Any] = {
        "organizador": {"tipo_persona": "juridica", "nombre": "Asociación Amigos del Parque",
                        "cuit": "30712345671", "email": "amigos@example.com", "telefono": "381 4223344"},
        "evento": {"nombre": "Feria de artesanos", "tipo": tipo,
                   "fecha": (city_today(platform) + timedelta(days=30)).isoformat(),
                   "hora_inicio": "10:00", "hora_fin": "20:00", "asistentes": asistentes},
        "ubicacion": PLAZA,
        "plano": platform.upload("plano.png", PNG_BYTES),
        "requiere_corte": corte,
    }
    if corte:
        data["calles_afectadas"] = "25 de Mayo entre San Martín y Mendoza"
    data.update(extra)
    return data


def seed_lane_groups(platform: Platform) -> None:
    """Create the groups of this bundle's lanes, as the directory holds them in production.

    Deploying with a lane whose group nobody belongs to is a warning, and these tests refuse warnings.
    """
    tree = ElementTree.parse(PROCESSES / KEY / f"{KEY}.bpmn")
    with platform.app.app_context(), unit_of_work():
        for lane in tree.iter(f"{BPMN}lane"):
            ensure_group(group_of_lane(lane.get("name", "")), lane.get("name", ""))


@pytest.fixture
def ev(platform: Platform) -> Platform:
    seed_lane_groups(platform)
    platform.deploy(KEY)  # refused on any problem or warning
    return platform


def _through_mesa(platform: Platform, **changes: Any) -> Case:
    case = platform.start(KEY, solicitud(platform, **changes))
    assert case.ready() == ["revisar_solicitud"]
    assert case.task("revisar_solicitud")["candidate_group"] == "mesa_entradas"
    case.complete("revisar_solicitud", MESA_OK)
    return case


def _grant_and_pay(platform: Platform, case: Case) -> dict[str, Any]:
    assert case.task("resolver")["candidate_group"] == "direccion_espacios_publicos"
    case.complete("resolver", {"resolucion": "otorgar", "fundamentos": "Cumple los requisitos."})
    waiting = case.detail
    assert waiting["status"] == "waiting" and [s["message_name"] for s in waiting["subscriptions"]] == \
        ["pago_confirmado"]
    slip: dict[str, Any] = waiting["data"]["boleta"]
    assert slip["estado"] == "pendiente" and slip["url_boleta"]
    platform.pay(slip["numero"])
    return slip


def _summary(platform: Platform, code: str) -> dict[str, str]:
    """The verification page's data of a certificate, label → value."""
    certificate = platform.verify(code)["certificate"]
    return {str(row["etiqueta"]): str(row["valor"]) for row in certificate["summary"]}


# -- the DMN and the reviews -------------------------------------------------------------------


@pytest.mark.parametrize(("asistentes", "tipo", "corte", "riesgo", "tasa", "reviews"), [
    (80, "feria", False, "bajo", 20000, []),
    (500, "cultural", False, "medio", 60000, []),
    (500, "recital", False, "alto", 150000, ["dictaminar_defensa"]),
    (80, "feria", True, "bajo", 50000, ["dictaminar_transito"]),
    (1500, "deportivo", True, "alto", 180000, ["dictaminar_defensa", "dictaminar_transito"]),
], ids=["bajo", "medio", "recital-alto", "corte", "alto-y-corte"])
def test_each_combination_asks_exactly_the_reviews_it_needs(ev: Platform, asistentes: int, tipo: str, corte: bool,
                                                            riesgo: str, tasa: int, reviews: list[str]) -> None:
    case = _through_mesa(ev, asistentes=asistentes, tipo=tipo, corte=corte)
    assert (case.data["riesgo"], case.data["tasa"]) == (riesgo, tasa)
    assert case.ready() == (reviews or ["resolver"])
    groups = {"dictaminar_defensa": "defensa_civil", "dictaminar_transito": "transito"}
    for element in reviews:
        task = case.task(element)
        assert task["candidate_group"] == groups[element] and not task["for_applicant"] and task["due_at"]
    # the reviews run in parallel: the direction waits for every one of them
    for done, element in enumerate(reviews, start=1):
        field = element.removeprefix("dictaminar_")
        case.complete(element, {f"dictamen_{field}": "favorable", f"informe_{field}": "Sin objeciones."})
        assert case.ready() == (reviews[done:] or ["resolver"])
    assert case.path().count("juntar_dictamenes") == (1 if reviews else 0)


def test_a_low_risk_event_without_closure_gets_its_permit(ev: Platform) -> None:
    case = _through_mesa(ev)
    assert case.ready() == ["resolver"]
    slip = _grant_and_pay(ev, case)
    assert slip["importe"] == "20000.00"

    final = case.detail
    assert final["status"] == "completed", final
    assert case.path()[-3:] == ["emitir_permiso", "aviso_permiso", "fin_otorgado"]
    assert not {"dictaminar_defensa", "dictaminar_transito"} & set(case.path())
    permit = final["data"]["permiso"]
    assert [d.title for d in case.documents()] == ["Plano o croquis del lugar: plano.png",
                                                      "Permiso para evento en espacio público"]
    verdict = ev.verify(permit["codigo"])
    assert verdict["verdict"] == "auténtico" and verdict["certificate"]["case_number"] == case.number
    assert case.number.endswith("-EV")


def test_high_risk_with_closure_reviews_in_parallel_and_the_permit_carries_their_conditions(ev: Platform) -> None:
    case = _through_mesa(ev, asistentes=3000, tipo="recital", corte=True)
    assert case.ready() == ["dictaminar_defensa", "dictaminar_transito"]
    case.complete("dictaminar_transito", {"dictamen_transito": "favorable", "informe_transito": "Desvío por Mendoza.",
                                          "condiciones_transito": "Vallado y señalización desde las 8 h."})
    assert case.ready() == ["dictaminar_defensa"]
    case.complete("dictaminar_defensa", {"dictamen_defensa": "favorable", "informe_defensa": "Plan de evacuación apto.",
                                         "condiciones_defensa": "Ambulancia y dos salidas de emergencia."})
    slip = _grant_and_pay(ev, case)
    assert slip["importe"] == "180000.00"

    data = case.data
    assert data["condiciones_permiso"] == ["Defensa Civil: Ambulancia y dos salidas de emergencia.",
                                           "Tránsito: Vallado y señalización desde las 8 h."]
    assert case.status == "completed"
    shown = _summary(ev, data["permiso"]["codigo"])
    assert shown["Calles cortadas"] == "25 de Mayo entre San Martín y Mendoza"


def test_the_correction_loop_sends_the_corrected_data_to_the_review_and_the_permit(ev: Platform) -> None:
    case = ev.start(KEY, solicitud(ev))
    case.complete("revisar_solicitud", {"revision": "corregir",
                                        "observaciones": "La fecha choca con otro evento; indique las calles."})
    assert case.ready() == ["corregir_solicitud"]
    correction = case.task("corregir_solicitud")
    assert correction["for_applicant"] is True and correction["candidate_group"] is None

    refused = case.submit("corregir_solicitud", {"respuesta": "Cambio la fecha.", "nuevo_corte": "si"})
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/nuevas_calles_afectadas"]

    new_date = (city_today(ev) + timedelta(days=45)).isoformat()
    case.complete("corregir_solicitud", {"respuesta": "Cambio la fecha y corto una calle.", "nueva_fecha": new_date,
                                         "nuevos_asistentes": 1200, "nuevo_corte": "si",
                                         "nuevas_calles_afectadas": "Muñecas entre Mendoza y San Juan"})
    data = case.data
    assert data["evento"]["fecha"] == new_date and data["evento"]["asistentes"] == 1200
    assert data["evento"]["hora_inicio"] == "10:00"  # blank in the correction: kept
    assert (data["requiere_corte"], data["riesgo"], data["tasa"]) == (True, "alto", 180000)
    assert not [k for k in data if k.startswith(("nueva", "nuevo"))]
    # Mesa reviews the corrected request again; the DMN already routed it to both areas
    assert case.ready() == ["revisar_solicitud"]
    case.complete("revisar_solicitud", MESA_OK)
    assert case.ready() == ["dictaminar_defensa", "dictaminar_transito"]
    case.complete("dictaminar_defensa", {"dictamen_defensa": "favorable", "informe_defensa": "Apto."})
    case.complete("dictaminar_transito", {"dictamen_transito": "favorable", "informe_transito": "Apto."})
    _grant_and_pay(ev, case)

    shown = _summary(ev, case.data["permiso"]["codigo"])
    assert shown["Calles cortadas"] == "Muñecas entre Mendoza y San Juan"
    assert new_date in shown["Fecha"] or "/".join(reversed(new_date.split("-"))) in shown["Fecha"]
    assert shown["Asistentes autorizados"] == "1200"


def _correction_deadline(case: Case) -> datetime:
    """When the correction timer fires: the business-day timer agrees with the task's due date."""
    return datetime.fromisoformat(case.task("corregir_solicitud")["due_at"])


def test_an_unanswered_correction_archives_the_case_after_its_deadline(ev: Platform) -> None:
    case = ev.start(KEY, solicitud(ev))
    case.complete("revisar_solicitud", {"revision": "corregir", "observaciones": "Falta el plano firmado."})
    asked_at = ev.clock.now
    deadline = _correction_deadline(case)
    ev.advance(deadline - asked_at - timedelta(minutes=5))
    assert case.ready() == ["corregir_solicitud"]
    ev.advance(timedelta(minutes=10))

    final = case.detail
    assert final["status"] == "completed" and final["tasks"] == []
    assert final["data"]["resultado"].startswith("archivado: el organizador no respondió")
    assert case.path()[-3:] == ["archivar_vencido", "aviso_vencido", "fin_vencido"]
    subjects = [str(r.message["Subject"]) for r in ev.mail.wait_for(3)]
    assert len(subjects) == 3 and re.search(r"finaliz", subjects[-1], re.I), subjects


def test_the_correction_deadline_counts_business_days_past_the_december_holidays(ev: Platform) -> None:
    """Asked on Friday 4/12/2026: 7 and 8 December are holidays, so the 10th business day is 22/12.

    A Monday-to-Friday count would end on 18/12; the task's due date, the timer and the date the
    citizen sees must all say 22/12.
    """
    # the seeded calendar's December holidays (the tests empty every table after each test)
    set_holidays(ev.app, date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 25))
    ev.clock.now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # 13:00 in the city
    case = ev.start(KEY, solicitud(ev))
    case.complete("revisar_solicitud", {"revision": "corregir", "observaciones": "Falta el plano firmado."})
    due = datetime.fromisoformat(case.task("corregir_solicitud")["due_at"]).astimezone(CITY)
    assert due.date() == date(2026, 12, 22), due

    ev.advance(datetime(2026, 12, 19, 3, 0, tzinfo=UTC) - ev.clock.now)  # the end of 18/12 in the city
    assert case.ready() == ["corregir_solicitud"]
    ev.advance(due - ev.clock.now - timedelta(minutes=5))
    assert case.ready() == ["corregir_solicitud"]
    ev.advance(timedelta(minutes=10))
    assert case.status == "completed" and case.path()[-1] == "fin_vencido"


def test_the_direction_may_refuse(ev: Platform) -> None:
    case = _through_mesa(ev)
    case.complete("resolver", {"resolucion": "denegar", "fundamentos": "La plaza está en obra esa semana."})
    final = case.detail
    assert final["status"] == "completed" and "boleta" not in final["data"]
    assert final["data"]["resultado"] == "denegado: La plaza está en obra esa semana."
    assert case.path()[-1] == "fin_denegado"


def test_a_street_closure_needs_the_streets_and_bad_data_is_refused_field_by_field(ev: Platform) -> None:
    missing = solicitud(ev, corte=True)
    del missing["calles_afectadas"]
    refused = ev.api.start(KEY, missing)
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.get_json()["errors"]] == ["/calles_afectadas"]

    bad = solicitud(ev, tipo="casamiento", asistentes=0, ubicacion={"direccion": "X", "lat": -34.6, "lon": -58.4})
    bad["organizador"] = {**bad["organizador"], "cuit": "20-1"}
    refused = ev.api.start(KEY, bad)
    assert refused.status_code == 422
    pointers = {e["pointer"] for e in refused.get_json()["errors"]}
    assert {"/evento/tipo", "/evento/asistentes", "/organizador/cuit", "/ubicacion/lat", "/ubicacion/lon",
            "/ubicacion/direccion"} <= pointers
    assert ev.api.get(f"/api/v1/instances?process={KEY}").get_json()["items"] == []

    # without a closure the streets are not asked for, and what was typed is not kept
    case = ev.start(KEY, solicitud(ev, calles_afectadas="Ninguna calle"))
    assert case.data["calles_afectadas"] == ""


def test_the_permit_template_travels_with_the_bundle(make_platform: Any, tmp_path: Any) -> None:
    """No template folder on the server's disk: the permit still renders from the deployed bundle
    (an obsolete ``TEMPLATES_ROOT`` pointing at an empty folder is ignored)."""
    platform = make_platform(TEMPLATES_ROOT=str(tmp_path))
    seed_lane_groups(platform)
    platform.deploy(KEY)
    case = _through_mesa(platform)
    _grant_and_pay(platform, case)
    assert case.incidents() == [] and case.status == "completed"
    assert platform.verify(case.data["permiso"]["codigo"])["verdict"] == "auténtico"
