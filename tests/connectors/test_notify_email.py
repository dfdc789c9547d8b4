"""E-mail notifications: Spanish templates, and delivery through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from markupsafe import escape

from connectors.base import ConnectorContext, PermanentError, TemporaryError
from connectors.notify import TEMPLATES, NotifyConnector, send_email
from connectors.notify.errors import ConfigurationError, TemplateError
from connectors.notify.mail import render
from tests.fixtures.require import free_port
from tests.fixtures.smtp import SmtpServer

DATA = {
    "nombre": "María José Núñez",
    "tramite": "Habilitación comercial <local>",
    "numero": "EXP-2026-000123",
    "tarea": "Adjuntar el plano de planta firmado por un profesional matriculado.",
    "novedad": "Se emitió el certificado «Licencia comercial»; ya puede descargarlo.",
    "vence": "3 de diciembre de 2026",
    "resultado": "aprobado",
    "enlace": "https://tramites.smt.gob.ar/expedientes/EXP-2026-000123?a=1&b=2",
    "servicio": "Atención al Vecino", "oficina": "Atención al Vecino", "fecha": "09/12/2026 09:00",
    "codigo": "7F3A2C1D", "motivo": "Corte de energía en el edificio.",
    "direccion": "9 de Julio 598",
}


def send(server: SmtpServer, params: dict[str, Any], **config: Any) -> dict[str, Any]:
    return NotifyConnector(server.settings(**config)).email(params, ConnectorContext())


@pytest.mark.parametrize("plantilla", TEMPLATES)
def test_every_template_renders_in_spanish(plantilla: str) -> None:
    rendered = render(plantilla, DATA)
    assert rendered.subject and "\n" not in rendered.subject
    assert "Municipalidad de San Miguel de Tucumán" in rendered.text
    assert '<html lang="es">' in rendered.html and str(escape(rendered.subject)) in rendered.html
    assert DATA["enlace"] in rendered.text
    assert DATA["enlace"].replace("&", "&amp;") in rendered.html
    assert "<local>" not in rendered.html  # data is escaped in HTML


def test_subjects_name_the_case() -> None:
    assert render("tramite_iniciado", DATA).subject == (
        "Iniciamos su trámite EXP-2026-000123: Habilitación comercial <local>"
    )
    assert render("tarea_pendiente", DATA).subject == "Su trámite EXP-2026-000123 necesita una acción de su parte"
    assert render("novedad_tramite", DATA).subject == "Novedades en su trámite EXP-2026-000123"
    assert render("verificar_email", {"enlace": "https://x.example/v"}).subject == (
        "Confirme su dirección de correo electrónico"
    )


def test_optional_values_may_be_left_out() -> None:
    text = render("tarea_pendiente", {k: DATA[k] for k in ("nombre", "tramite", "numero", "tarea")}).text
    assert "Tiene tiempo" not in text and "Ingrese aquí" not in text
    assert "vence en 24 horas" in render("verificar_email", {"enlace": "https://x.example/v"}).text


def test_missing_data_unknown_template_and_unsafe_links_are_refused() -> None:
    with pytest.raises(TemplateError, match="Faltan datos") as caught:
        render("tramite_iniciado", {"nombre": "Ana"})
    assert caught.value.status == 422 and not caught.value.temporary
    with pytest.raises(PermanentError, match="No existe la plantilla"):
        render("no_existe", DATA)
    with pytest.raises(TemplateError, match="http"):
        render("verificar_email", {"enlace": "javascript:alert(1)"})


def test_the_schema_catches_unknown_templates_before_running() -> None:
    declared, _ = NotifyConnector.operations()["email"]
    jsonschema.Draft202012Validator.check_schema(declared.params)
    validator = jsonschema.Draft202012Validator(declared.params)
    assert validator.is_valid({"para": "a@b.ar", "plantilla": "tramite_iniciado", "datos": {}})
    assert validator.is_valid({"para": ["a@b.ar", "c@d.ar"], "plantilla": "verificar_email"})
    assert not validator.is_valid({"para": "a@b.ar", "plantilla": "no_existe"})
    assert not validator.is_valid({"para": "a@b.ar\r\nBcc: x@y.z", "plantilla": "verificar_email"})


def test_email_arrives_with_spanish_subject_and_both_bodies(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    result = send(smtp_server, {"para": "maria.nunez@example.com.ar", "plantilla": "tramite_iniciado", "datos": DATA})
    [got] = smtp_server.wait_for(1)
    assert result["enviado"] is True and result["message_id"] == got.message["Message-ID"]
    assert got.rcpt_tos == ["maria.nunez@example.com.ar"] and got.mail_from == "no-responder@smt.gob.ar"
    message = got.message
    assert message["Subject"] == "Iniciamos su trámite EXP-2026-000123: Habilitación comercial <local>"
    assert message["From"] == "Trámites SMT <no-responder@smt.gob.ar>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content_charset() == "utf-8"
    assert "Hola, María José Núñez:" in text.get_content()
    assert "Recibimos su solicitud de «Habilitación comercial <local>»" in text.get_content()
    assert "Habilitación comercial &lt;local&gt;" in html.get_content()


def test_several_recipients_and_the_plain_function(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    message_id = send_email(smtp_server.settings(), ["a@example.com", "b@example.com"], "verificar_email",
                            {"enlace": "https://tramites.smt.gob.ar/verificar/abc"})
    [got] = smtp_server.wait_for(1)
    assert got.rcpt_tos == ["a@example.com", "b@example.com"] and got.message["Message-ID"] == message_id
    assert "https://tramites.smt.gob.ar/verificar/abc" in got.message.get_body(("plain",)).get_content()


def test_login_with_the_right_and_the_wrong_password(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    params = {"para": "ana@example.com", "plantilla": "tramite_finalizado", "datos": DATA}
    send(smtp_server, params, SMTP_USER=smtp_server.user, SMTP_PASSWORD=smtp_server.password)
    assert len(smtp_server.wait_for(1)) == 1
    with pytest.raises(PermanentError, match="usuario o la contraseña") as caught:
        send(smtp_server, params, SMTP_USER=smtp_server.user, SMTP_PASSWORD="otra")
    assert not caught.value.temporary and "otra" not in str(caught.value.detail)


def test_starttls_required_but_not_offered_is_permanent(smtp_server: SmtpServer) -> None:
    with pytest.raises(PermanentError, match="STARTTLS"):
        send(smtp_server, {"para": "ana@example.com", "plantilla": "tramite_finalizado", "datos": DATA},
             SMTP_STARTTLS="true")


def test_refused_recipients_permanent_or_temporary(smtp_server: SmtpServer) -> None:
    params = {"plantilla": "tramite_finalizado", "datos": DATA}
    with pytest.raises(PermanentError, match="rechazó el destinatario") as caught:
        send(smtp_server, {**params, "para": "rechazar@example.com"})
    assert not caught.value.temporary
    with pytest.raises(TemporaryError, match="por ahora"):
        send(smtp_server, {**params, "para": "ocupado@example.com"})


def test_smtp_down_is_temporary() -> None:
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(), "MAIL_FROM": "no-responder@smt.gob.ar"}
    with pytest.raises(TemporaryError, match="No se pudo conectar") as caught:
        NotifyConnector(config).email({"para": "a@example.com", "plantilla": "verificar_email",
                                       "datos": {"enlace": "https://x.example/v"}}, ConnectorContext())
    assert caught.value.temporary and caught.value.status == 503


def test_missing_settings_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="SMTP_HOST"):
        send_email({}, "a@example.com", "verificar_email", {"enlace": "https://x.example/v"})
    with pytest.raises(ConfigurationError, match="SMTP_PORT"):
        send_email({"SMTP_HOST": "h", "SMTP_PORT": "veinticinco", "MAIL_FROM": "a@b.ar"}, "a@example.com",
                   "verificar_email", {"enlace": "https://x.example/v"})


def test_context_settings_override_and_repr_hides_the_password(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    connector = NotifyConnector({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(), "SMTP_PASSWORD": "s3creta",
                                 "MAIL_FROM": "no-responder@smt.gob.ar"})
    assert "s3creta" not in repr(connector)
    context = ConnectorContext(config={"SMTP_PORT": smtp_server.port})
    connector.email({"para": "a@example.com", "plantilla": "verificar_email",
                     "datos": {"enlace": "https://x.example/v"}}, context)
    assert len(smtp_server.wait_for(1)) == 1
