"""Issue 19, point 8: the administrator's accounts and API tokens page."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.identity.accounts import User, ensure_group
from engine.models import AuditEvent
from engine.plain_text import plain
from engine.uow import unit_of_work
from tests.fixtures.engine import make_token
from tests.fixtures.identity import Web, password_of
from tests.worklists.helpers import Staffed


def _admin(app: Flask) -> Web:
    web = Web(app.test_client())
    web.sign_in("admin", password_of("admin"))
    return web


def _events(app: Flask, kind: str) -> list[dict]:
    with app.app_context():
        return [e.data for e in db.session.scalars(select(AuditEvent).where(AuditEvent.type == kind))]


def test_changing_roles_and_groups_takes_effect_and_is_audited(identity_app: Flask) -> None:
    admin = _admin(identity_app)
    mesa = Web(identity_app.test_client())
    mesa.sign_in("mesa", password_of("mesa"))
    assert mesa.client.get("/bandeja/expedientes/").status_code == 403
    page = admin.client.get("/administracion/usuarios/").get_data(as_text=True)
    assert 'href="/administracion/usuarios/mesa"' in page
    saved = admin.post_form("/administracion/usuarios/mesa/guardar",
                            {"roles": "auditor", "grupos": "mesa_entradas", "activa": "1"},
                            token_from="/administracion/usuarios/mesa")
    assert saved.status_code == 303
    assert mesa.client.get("/bandeja/expedientes/").status_code == 200
    assert mesa.client.get("/bandeja/").status_code == 403
    [event] = _events(identity_app, "account_changed")
    assert event["username"] == "mesa"
    assert event["before"]["roles"] == ["staff"] and event["after"]["roles"] == ["auditor"]


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(identity_app: Flask) -> None:
    admin = _admin(identity_app)
    mesa = Web(identity_app.test_client())
    mesa.sign_in("mesa", password_of("mesa"))
    saved = admin.post_form("/administracion/usuarios/mesa/guardar", {"roles": "staff", "grupos": "mesa_entradas"},
                            token_from="/administracion/usuarios/mesa")
    assert saved.status_code == 303
    assert mesa.client.get("/bandeja/").status_code == 302
    Web(identity_app.test_client()).sign_in("mesa", password_of("mesa"), expect=403)


def test_an_administrator_cannot_lock_themself_out(identity_app: Flask) -> None:
    admin = _admin(identity_app)
    refused = admin.post_form("/administracion/usuarios/admin/guardar", {"roles": "staff", "activa": "1"},
                              token_from="/administracion/usuarios/admin")
    assert refused.status_code == 422 and "No puede quitarse la administración" in refused.get_data(as_text=True)
    assert admin.client.get("/administracion/").status_code == 200


def test_a_directory_account_is_shown_without_a_form(identity_app: Flask) -> None:
    with identity_app.app_context(), unit_of_work():
        db.session.add(User(username="jdirectorio", display_name="Juan Directorio", source="ldap", roles="staff"))
    admin = _admin(identity_app)
    page = admin.client.get("/administracion/usuarios/jdirectorio")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Juan Directorio" in html and "directorio de personal" in html
    assert "/guardar" not in html and 'type="checkbox"' not in html
    refused = admin.post_form("/administracion/usuarios/jdirectorio/guardar", {"roles": "admin", "activa": "1"},
                              token_from="/administracion/usuarios/")
    assert refused.status_code == 409
    with identity_app.app_context():
        assert db.session.scalar(select(User.roles).where(User.username == "jdirectorio")) == "staff"


def test_a_token_is_shown_once_works_and_stops_working_when_revoked(identity_app: Flask) -> None:
    admin = _admin(identity_app)
    created = admin.post_form("/administracion/usuarios/tokens/crear", {"nombre": "integracion", "alcances": "read"},
                              token_from="/administracion/usuarios/")
    html = created.get_data(as_text=True)
    assert created.status_code == 201 and "no-store" in created.headers["Cache-Control"]
    secret = unescape(re.search(r'<code id="token-secreto">([^<]+)</code>', html).group(1))  # type: ignore[union-attr]
    bearer = {"Authorization": f"Bearer {secret}"}
    api = identity_app.test_client()
    assert api.get("/api/v1/processes", headers=bearer).status_code == 200
    listing = admin.client.get("/administracion/usuarios/").get_data(as_text=True)
    assert "integracion" in listing and secret not in listing
    revoked = admin.post_form("/administracion/usuarios/tokens/revocar", {"nombre": "integracion"},
                              token_from="/administracion/usuarios/")
    assert revoked.status_code == 303
    assert api.get("/api/v1/processes", headers=bearer).status_code == 401
    assert [e["name"] for e in _events(identity_app, "token_revoked")] == ["integracion"]
    assert "Revocado el" in admin.client.get("/administracion/usuarios/").get_data(as_text=True)


def test_a_bad_token_name_is_refused_in_spanish(identity_app: Flask) -> None:
    refused = _admin(identity_app).post_form("/administracion/usuarios/tokens/crear", {"nombre": "Mal Nombre"},
                                             token_from="/administracion/usuarios/")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "El nombre del token debe tener" in html and "token-secreto" not in html


def test_a_tokens_last_use_is_shown(staff: Staffed) -> None:
    make_token(staff.app, "sin-uso", "read")
    staff.start(1)  # through the API with the token «pruebas»
    html = _admin(staff.app).client.get("/administracion/usuarios/").get_data(as_text=True)
    used = re.search(r"<td[^>]*>pruebas</td>.*?</tr>", html, re.S)
    unused = re.search(r"<td[^>]*>sin-uso</td>.*?</tr>", html, re.S)
    assert used and unused
    assert "Sin uso" in unused.group(0) and "Sin uso" not in used.group(0)


def test_groups_are_offered_by_the_names_people_read_in_their_order(identity_app: Flask) -> None:
    """The account page lists each group by its title (the directory's «Área de Obras»), not by its
    id («zz obras»), and sorted as those titles read, on the edit page as on the new-account page."""
    with identity_app.app_context(), unit_of_work():
        ensure_group("zz_obras", "Área de Obras")
        ensure_group("aa_zoonosis", "Zoonosis")
    admin = _admin(identity_app)
    for path in ("/administracion/usuarios/mesa", "/administracion/usuarios/nueva"):
        page = admin.client.get(path).get_data(as_text=True)
        labels = re.findall(r'name="grupos" value="[^"]*"[^>]*>\s*([^<]+?)\s*</label>', page)
        assert "Área de Obras" in labels and "Zz obras" not in labels, labels
        assert labels == sorted(labels, key=plain), labels
        assert labels.index("Área de Obras") < labels.index("Zoonosis")
