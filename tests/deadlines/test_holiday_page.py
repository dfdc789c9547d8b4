"""The administrators' holiday page: list by year, add, delete, Spanish errors, and its effect on due dates."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tests.deadlines.common import BUNDLE, KEY, set_holidays
from tests.deadlines.test_clock import MONDAY, _end_of_local_day
from tests.engine.test_constructs_common import with_clock
from tests.fixtures.engine import ApiClient, make_token
from tests.fixtures.identity import Web, csrf_in, password_of

PAGE = "/administracion/feriados/"


def _admin(app: Flask) -> Web:
    web = Web(app.test_client())
    web.sign_in("admin", password_of("admin"))
    return web


def _review_due(api: ApiClient) -> str:
    started = api.start(KEY, {})
    assert started.status_code == 201, started.get_json()
    tasks = api.instance(started.get_json()["id"])["tasks"]
    return next(t["due_at"] for t in tasks if t["element_id"] == "revisar")


def test_a_holiday_added_by_an_administrator_moves_due_dates_computed_afterwards(identity_app: Flask) -> None:
    set_holidays(identity_app, date(2026, 1, 1))
    with_clock(identity_app).now = MONDAY
    api = ApiClient(identity_app, make_token(identity_app, "pruebas", "admin"))
    assert api.deploy(BUNDLE).status_code in (200, 201)
    assert _review_due(api) == _end_of_local_day(date(2026, 3, 4))  # P2D from Monday: Wednesday

    web = _admin(identity_app)
    added = web.post_form(PAGE + "?anio=2026", {"fecha": "2026-03-03", "nombre": "Asueto municipal",
                                                "tipo": "municipal"}, token_from=PAGE)
    assert added.status_code == 303 and added.headers["Location"].endswith("?anio=2026")
    listing = web.client.get(PAGE + "?anio=2026").get_data(as_text=True)
    assert '<td data-label="Fecha">03/03/2026</td>' in listing and "martes" in listing
    assert '<td data-label="Nombre">Asueto municipal</td>' in listing
    assert "Se agregó el feriado del 03/03/2026" in listing
    assert _review_due(api) == _end_of_local_day(date(2026, 3, 5))  # the new holiday is skipped

    removed = web.post_form(PAGE + "eliminar", {"fecha": "2026-03-03"}, token_from=PAGE)
    assert removed.status_code == 303
    after = web.client.get(PAGE + "?anio=2026").get_data(as_text=True)
    assert "Se quitó el feriado del 03/03/2026" in after and ">Asueto municipal</td>" not in after
    assert _review_due(api) == _end_of_local_day(date(2026, 3, 4))


def test_bad_dates_names_kinds_and_duplicates_answer_in_spanish_keeping_the_typed_data(identity_app: Flask) -> None:
    set_holidays(identity_app, date(2026, 9, 24))
    web = _admin(identity_app)
    cases = [
        ({"fecha": "31/02/2026", "nombre": "Día inventado", "tipo": "municipal"}, 422, "La fecha no existe"),
        ({"fecha": "mañana", "nombre": "Día inventado", "tipo": "municipal"}, 422, "La fecha no existe"),
        ({"fecha": "", "nombre": "Día inventado", "tipo": "municipal"}, 422, "Ingrese la fecha del feriado"),
        ({"fecha": "29/09/2026", "nombre": "", "tipo": "municipal"}, 422, "Ingrese el nombre del feriado"),
        ({"fecha": "29/09/2026", "nombre": "San Miguel", "tipo": "otro"}, 422, "nacional, provincial o municipal"),
        ({"fecha": "24/09/2026", "nombre": "Otra vez", "tipo": "provincial"}, 409,
         "El 24/09/2026 ya es feriado: Feriado de prueba."),
    ]
    for data, status, message in cases:
        response = web.post_form(PAGE, data)
        html = response.get_data(as_text=True)
        assert response.status_code == status, (data, status)
        assert message in html and 'aria-invalid="true"' in html and "Traceback" not in html
        assert f'value="{data["fecha"]}"' in html and f'value="{data["nombre"]}"' in html


def test_deleting_a_day_that_is_no_holiday_says_so(identity_app: Flask) -> None:
    set_holidays(identity_app)
    web = _admin(identity_app)
    response = web.post_form(PAGE + "eliminar?anio=2027", {"fecha": "2027-05-03"}, token_from=PAGE)
    assert response.status_code == 303 and response.headers["Location"].endswith("?anio=2027")
    page = web.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No se pudo quitar el feriado: Ese día no figura como feriado." in page


def test_years_are_listed_and_an_impossible_year_shows_this_year(identity_app: Flask) -> None:
    set_holidays(identity_app, date(2026, 12, 25), date(2030, 1, 1))
    with_clock(identity_app).now = MONDAY
    web = _admin(identity_app)
    page = web.client.get(PAGE + "?anio=99999").get_data(as_text=True)
    assert "Feriados de 2026" in page and "25/12/2026" in page
    assert 'href="/administracion/feriados/?anio=2030"' in page and "01/01/2030" not in page


def test_staff_and_citizens_may_not_open_or_change_the_calendar(identity_app: Flask) -> None:
    set_holidays(identity_app)
    assert identity_app.test_client().get(PAGE).status_code == 302
    for who in ("mesa", "supervisora", "ciudadana", "auditor", "analista"):
        web = Web(identity_app.test_client())
        web.sign_in(who, password_of(who))
        assert web.client.get(PAGE).status_code == 403, who
        token = csrf_in(web.client.get("/ingresar").get_data(as_text=True))
        refused = web.client.post(PAGE, data={"csrf_token": token, "fecha": "2026-03-03", "nombre": "X",
                                              "tipo": "municipal"})
        assert refused.status_code == 403, who
    admin = _admin(identity_app)
    assert "03/03/2026" not in admin.client.get(PAGE + "?anio=2026").get_data(as_text=True)
