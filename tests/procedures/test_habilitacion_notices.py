"""The business licence's refusal notified through the electronic address (issue #21): received when
opened, or deemed received after the legal term; the appeal window runs from that moment."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from engine.db import db
from engine.deadlines.holidays import city_calendar
from engine.identity.accounts import User
from engine.models import Instance
from engine.notices.models import Notice
from engine.uow import unit_of_work
from tests.fixtures.identity import Web
from tests.procedures.conftest import Case, Platform
from tests.procedures.test_habilitacion_comercial import _pay, _started

CITY = ZoneInfo("America/Argentina/Tucuman")
REFUSAL = {"decision": "rechazar", "fundamentos": "El local no cumple las condiciones de seguridad."}


def _citizen(platform: Platform, accept: bool = True) -> Web:
    platform.seed_demo_users("ciudadana")
    web = Web(platform.app.test_client())
    web.sign_in("ciudadana", "demo-ciudadana")
    if accept:
        page = web.client.get("/mis-notificaciones/domicilio").get_data(as_text=True)
        assert "Constituyo domicilio electrónico" in page
        assert web.post_form("/mis-notificaciones/domicilio", {}).status_code == 302
        assert web.post_form("/mis-notificaciones/domicilio", {}, token_from="/mis-notificaciones/").status_code == 409
    return web


def _refused_case(platform: Platform) -> Case:
    case = _started(platform)
    # The portal starts a case as the signed-in citizen; the API starts it as the token's account.
    with platform.app.app_context(), unit_of_work():
        db.session.execute(update(Instance).where(Instance.id == case.id).values(started_by="ciudadana"))
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    _pay(platform, case)
    case.complete("resolver", REFUSAL)
    return case


def _notice(platform: Platform, case: Case) -> Notice:
    with platform.app.app_context():
        found = db.session.query(Notice).filter_by(instance_id=case.id).one()
        db.session.expunge(found)
        return found


def _appeal_due(platform: Platform, received: datetime) -> date:
    with platform.app.app_context():
        calendar = city_calendar("America/Argentina/Tucuman")
        return calendar.add_business_days(calendar.local_date(received), 10)


def test_the_refusal_opened_three_business_days_later_starts_the_appeal_window(platform: Platform) -> None:
    web = _citizen(platform)
    case = _refused_case(platform)
    assert case.status == "waiting" and case.data["notificacion_rechazo"]["domicilio_electronico"] is True
    notice = _notice(platform, case)
    assert "sin abrir" in web.client.get("/mis-notificaciones/").get_data(as_text=True)

    with platform.app.app_context():
        calendar = city_calendar("America/Argentina/Tucuman")
        third = calendar.add_business_days(calendar.local_date(platform.clock.now), 3)
    platform.clock.now = datetime(third.year, third.month, third.day, 10, 0, tzinfo=CITY).astimezone(ZoneInfo("UTC"))
    opened = web.client.get(f"/mis-notificaciones/{notice.id}")
    assert opened.status_code == 200 and opened.data.startswith(b"%PDF")

    notice = _notice(platform, case)
    assert notice.opened_at == notice.received_at == platform.clock.now and notice.proof_code
    assert case.data["notificacion_recibida"]["forma"] == "apertura"
    assert case.data["vence_recurso"] == _appeal_due(platform, platform.clock.now).isoformat()
    assert platform.verify(notice.proof_code)["verdict"] == "auténtico"
    assert [d.title for d in case.documents()][-1] == "Constancia de notificación"
    # A second opening changes nothing; another person never sees the notice.
    assert web.client.get(f"/mis-notificaciones/{notice.id}").data.startswith(b"%PDF")
    assert _notice(platform, case).received_at == notice.received_at

    platform.advance(timedelta(days=9))
    assert case.status == "waiting"
    platform.advance(timedelta(days=30))
    assert case.status == "completed" and case.path()[-1] == "fin_rechazo_firme"


def test_an_unopened_refusal_is_deemed_received_after_the_legal_term(platform: Platform) -> None:
    web = _citizen(platform)
    case = _refused_case(platform)
    notice = _notice(platform, case)
    platform.advance(timedelta(days=2))
    assert _notice(platform, case).received_at is None
    platform.advance(notice.deemed_due_at - platform.clock.now + timedelta(minutes=1))

    deemed = _notice(platform, case)
    assert deemed.received_at == notice.deemed_due_at and deemed.opened_at is None and deemed.proof_code
    assert case.data["notificacion_recibida"]["forma"] == "vencimiento del plazo"
    assert case.data["vence_recurso"] == _appeal_due(platform, notice.deemed_due_at).isoformat()
    assert platform.verify(deemed.proof_code)["verdict"] == "auténtico"
    assert "vencido el plazo" in web.client.get("/mis-notificaciones/").get_data(as_text=True)


def test_without_an_electronic_address_the_refusal_goes_by_email(platform: Platform) -> None:
    _citizen(platform, accept=False)
    case = _refused_case(platform)
    assert case.status == "completed" and case.path()[-1] == "fin_rechazado"
    assert case.data["notificacion_rechazo"] == {"domicilio_electronico": False, "notificacion": None}


def _verified_email(platform: Platform, username: str) -> None:
    with platform.app.app_context(), unit_of_work():
        db.session.execute(update(User).where(User.username == username).values(email_verified_at=platform.clock.now))


def test_an_email_says_a_notice_is_waiting_without_its_content(platform: Platform) -> None:
    _citizen(platform)
    _verified_email(platform, "ciudadana")
    case = _refused_case(platform)
    subject = f"Tiene una notificación en su domicilio electrónico (expediente {case.number})"
    found = [r.message for r in platform.mail.wait_for(3)]
    for _attempt in range(20):
        if any(str(m["Subject"]) == subject for m in found):
            break
        found = [r.message for r in platform.mail.wait_for(len(found) + 1)]
    [message] = [m for m in found if str(m["Subject"]) == subject]
    assert message["To"] == "ciudadana@example.com"
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and rich is not None
    text = str(plain.get_content())
    assert f"{platform.url}/mis-notificaciones/" in text
    assert REFUSAL["fundamentos"] not in text and "rechazo" not in text.lower()
    html = str(rich.get_content())
    assert REFUSAL["fundamentos"] not in html and "rechazo" not in html.lower()
    # Nor do the usual news of the case tell what was notified (the document added, the certificate issued).
    for other in found:
        body = other.get_body(("plain",))
        assert body is not None and "rechazo" not in str(body.get_content()).lower(), other["Subject"]


def test_the_case_pages_show_the_notice_and_reading_the_notified_document_opens_it(platform: Platform) -> None:
    web = _citizen(platform)
    case = _refused_case(platform)
    notice = _notice(platform, case)
    platform.seed_demo_users("direccion")
    staff = Web(platform.app.test_client())
    staff.sign_in("direccion", "demo-direccion")

    page = web.client.get(f"/mis-tramites/{case.number}").get_data(as_text=True)
    assert f'href="/mis-notificaciones/{notice.id}"' in page and "sin abrir" in page
    staff_page = staff.client.get(f"/bandeja/expedientes/{case.number}").get_data(as_text=True)
    assert "Enviada, sin abrir" in staff_page and "Abierta el" not in staff_page

    # Staff reading the notified document opens nothing; the citizen reading it from the case page does.
    read_by_staff = staff.client.get(f"/bandeja/expedientes/{case.number}/documentos/{notice.document_id}")
    assert read_by_staff.data.startswith(b"%PDF")
    read_by_staff.close()
    assert _notice(platform, case).opened_at is None
    platform.clock.now += timedelta(days=1)
    read = web.client.get(f"/mis-tramites/{case.number}/documentos/{notice.document_id}")
    assert read.status_code == 200 and read.data.startswith(b"%PDF")
    opened = _notice(platform, case)
    assert opened.opened_at == opened.received_at == platform.clock.now and opened.proof_code
    assert case.data["notificacion_recibida"]["forma"] == "apertura"
    assert web.client.get(f"/mis-tramites/{case.number}/documentos/{notice.document_id}").data.startswith(b"%PDF")
    assert _notice(platform, case).opened_at == opened.opened_at

    page = web.client.get(f"/mis-tramites/{case.number}").get_data(as_text=True)
    assert "sin abrir" not in page and f"/verificar/{opened.proof_code}" in page
    staff_page = staff.client.get(f"/bandeja/expedientes/{case.number}").get_data(as_text=True)
    assert "Abierta el" in staff_page
    proof = re.search(r'href="(/bandeja/expedientes/[^"]+/documentos/[^"]+)">Constancia ' + opened.proof_code,
                      staff_page)
    assert proof, staff_page
    served = staff.client.get(proof.group(1))
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    served.close()
