"""The platform's operation ``datos_personales/rectificar``: what it changes, what it refuses."""

from __future__ import annotations

import pytest
from flask import Flask

from engine.identity.accounts import User, ensure_user
from engine.privacy import rectification
from engine.privacy.rectification import RectificationRefused, rectify
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work


def _users() -> tuple[User, User]:
    ana, _ = ensure_user("ana", display_name="Ana", password="ana-clave-segura", email="ana@example.com")
    otra, _ = ensure_user("otra", display_name="Otra", password="otra-clave-segura", email="otra@example.com")
    otra.dni = "30123456"
    return ana, otra


def test_the_operation_is_offered_to_service_tasks_and_needs_no_connector_schema(app: Flask) -> None:
    runtime = app.extensions[EXTENSION_KEY]
    assert rectification.OPERATION in runtime.operations()
    assert runtime.validate_params(rectification.OPERATION, {"nombre": "x"}) == []


def test_rectify_changes_only_what_differs_and_reads_a_cuil(app: Flask) -> None:
    with app.app_context(), unit_of_work():
        ana, _ = _users()
        before, after = rectify(ana, {"nombre": "Ana", "correo": "ANA.NUEVA@example.com",
                                      "documento": "27-28123456-6"})
        assert before == {"email": "ana@example.com", "dni": None, "cuil": None}
        assert after == {"email": "ana.nueva@example.com", "dni": "28123456", "cuil": "27281234566"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"nombre": "A"}, "El nombre debe tener entre 3 y 200 caracteres."),
    ({"correo": "sin-arroba"}, "El correo electrónico no es válido."),
    ({"documento": "12"}, "El documento no es un DNI ni un CUIL válido."),
    ({"documento": "27-28123456-1"}, "El documento no es un DNI ni un CUIL válido."),
    ({"correo": "otra@example.com"}, "Ese dato ya figura en otra cuenta: la rectificación no se puede aplicar."),
    ({"documento": "30123456"}, "Ese dato ya figura en otra cuenta: la rectificación no se puede aplicar."),
])
def test_bad_or_taken_values_are_refused_in_spanish_and_change_nothing(
        app: Flask, changes: dict[str, str], message: str) -> None:
    with app.app_context(), unit_of_work():
        ana, _ = _users()
        with pytest.raises(RectificationRefused) as refused:
            rectify(ana, changes)
        assert refused.value.message == message and refused.value.temporary is False
        assert (ana.display_name, ana.email, ana.dni) == ("Ana", "ana@example.com", None)


def test_a_test_case_changes_no_account_and_unknown_parameters_are_refused(app: Flask) -> None:
    with app.app_context(), unit_of_work():
        ana, _ = _users()
        answer = rectification.call({"nombre": "Ana Nueva", "correo": ""}, {"test_case": True, "instance_id": "x"})
        assert answer == {"rectificado": False, "campos": ["nombre"], "prueba": True}
        assert ana.display_name == "Ana"
        with pytest.raises(RectificationRefused, match="Parámetros desconocidos: usuario"):
            rectification.call({"usuario": "otra", "nombre": "X Y Z"}, {"instance_id": "x"})
        with pytest.raises(RectificationRefused, match="no tiene una cuenta"):
            rectification.call({"nombre": "Ana Nueva"}, {"instance_id": "no-existe"})
