"""Issue 19, point 2: each role lands on its work after sign-in and the header shows its places."""

from __future__ import annotations

import re

from flask import Flask

from engine.identity.accounts import ensure_user
from engine.uow import unit_of_work
from tests.fixtures.identity import Web, password_of

HEADER_PLACES = {"Bandeja": "/bandeja/", "Estudio": "/estudio/", "Expedientes": "/bandeja/expedientes/",
                 "Administración": "/administracion/", "Mis trámites": "/mis-tramites/"}
# who -> (where they land, the places their header shows)
EXPECTED = {
    "ciudadana": ("/", {"Mis trámites"}),
    "mesa": ("/bandeja/", {"Bandeja"}),
    "supervisora": ("/bandeja/", {"Bandeja", "Expedientes"}),
    "analista": ("/estudio/", {"Estudio"}),
    "auditor": ("/bandeja/expedientes/", {"Expedientes"}),
    "admin": ("/administracion/", {"Bandeja", "Estudio", "Expedientes", "Administración"}),
}


def _header_places(html: str) -> set[str]:
    header = re.search(r'<nav class="account".*?</nav>', html, re.S)
    assert header, "the page has no account header"
    links = set(re.findall(r'<a href="([^"]+)"', header.group(0)))
    return {name for name, path in HEADER_PLACES.items() if path in links}


def test_each_role_lands_on_its_work_and_its_header_shows_its_places(identity_app: Flask) -> None:
    for who, (landing, places) in EXPECTED.items():
        web = Web(identity_app.test_client())
        signed_in = web.sign_in(who, password_of(who))
        assert signed_in.headers["Location"] == landing, who
        home = web.client.get("/").get_data(as_text=True)
        assert _header_places(home) == places, who
        assert (web.client.get(landing).status_code, who) == (200, who)


def test_staff_find_their_work_on_the_home_page(identity_app: Flask) -> None:
    web = Web(identity_app.test_client())
    web.sign_in("auditor", password_of("auditor"))
    work = re.search(r'<section class="your-work".*?</section>', web.client.get("/").get_data(as_text=True), re.S)
    assert work and 'href="/bandeja/expedientes/"' in work.group(0) and 'href="/bandeja/"' not in work.group(0)
    citizen = Web(identity_app.test_client())
    citizen.sign_in("ciudadana", password_of("ciudadana"))
    assert "your-work" not in citizen.client.get("/").get_data(as_text=True)


def test_several_roles_land_on_the_first_of_their_places(identity_app: Flask) -> None:
    cases = {"varios1": (("staff", "auditor"), "/bandeja/"), "varios2": (("analyst", "admin"), "/administracion/"),
             "varios3": (("auditor", "citizen"), "/bandeja/expedientes/")}
    with identity_app.app_context(), unit_of_work():
        for name, (roles, _landing) in cases.items():
            ensure_user(name, display_name=name, password=password_of(name), roles=roles,
                        groups=("mesa_entradas",) if "staff" in roles else ())
    for name, (_roles, landing) in cases.items():
        web = Web(identity_app.test_client())
        assert web.sign_in(name, password_of(name)).headers["Location"] == landing, name


def test_the_administration_home_lists_the_admin_pages(identity_app: Flask) -> None:
    web = Web(identity_app.test_client())
    web.sign_in("admin", password_of("admin"))
    html = web.client.get("/administracion/").get_data(as_text=True)
    for path in ("/administracion/usuarios/", "/administracion/feriados/", "/estudio/", "/bandeja/tablero"):
        assert f'href="{path}' in html, path
