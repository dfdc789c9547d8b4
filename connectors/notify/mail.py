"""E-mail over SMTP with the platform's Spanish templates (plain text and HTML).

Each template ``<name>`` is a pair of files in ``templates/``: ``<name>.txt`` (which also
sets the subject with ``{% set asunto %}…{% endset %}``) and ``<name>.html``. Data missing
from a template is an error, never a blank: the environment uses ``StrictUndefined``.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import escape

from connectors.base import ConnectorError, PermanentError, TemporaryError
from connectors.notify.errors import ConfigurationError, TemplateError
from connectors.notify.mailbox import Mailbox

TEMPLATES = ("tramite_iniciado", "tarea_pendiente", "novedad_tramite", "tramite_finalizado", "verificar_email",
             "notificacion_disponible", "turno_confirmado", "turno_recordatorio", "turno_cancelado", "turno_verificar")
ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
TRUE_WORDS = {"1", "true", "yes", "on", "si", "sí"}
DEFAULT_TIMEOUT = 20.0
#: ``From`` of the messages kept in the local outbox when ``MAIL_FROM`` is unset: they never leave.
LOCAL_SENDER = "Trámites SMT <no-responder@tramites.invalid>"
log = logging.getLogger("tramites.connectors.notificar")


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server; ``repr`` never shows the password."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """Read ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_STARTTLS``, ``MAIL_FROM``.

        :param config: the connector's settings.
        :return: the parsed settings; the port defaults to 587 with STARTTLS, else 25.
        :raises ConfigurationError: when the host or the sender is missing, or the port is not a number.
        """
        host, sender = config.get("SMTP_HOST"), config.get("MAIL_FROM")
        if not host or not sender:
            raise ConfigurationError("Falta configurar SMTP_HOST y MAIL_FROM para enviar correo.")
        if not ADDRESS.match(parseaddr(str(sender))[1]):
            raise ConfigurationError("MAIL_FROM no es una dirección de correo válida.")
        starttls = str(config.get("SMTP_STARTTLS") or "").strip().lower() in TRUE_WORDS
        try:
            port = int(config.get("SMTP_PORT") or (587 if starttls else 25))
        except ValueError as e:
            raise ConfigurationError("SMTP_PORT debe ser un número de puerto.") from e
        return cls(
            host=str(host), port=port, sender=str(sender), user=config.get("SMTP_USER") or None,
            password=config.get("SMTP_PASSWORD") or None, starttls=starttls,
        )


@dataclass(frozen=True)
class RenderedEmail:
    """A template rendered with its data: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("connectors.notify", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(plantilla: str, datos: Mapping[str, Any]) -> RenderedEmail:
    """Render template ``plantilla`` with ``datos``.

    :param plantilla: one of :data:`TEMPLATES`.
    :param datos: the values the template names (``nombre``, ``tramite``, ``numero``, ``enlace``…).
    :return: the subject (one line), the text body and the HTML body.
    :raises TemplateError: unknown template, missing data, or an ``enlace`` that is not http(s).
    """
    if plantilla not in TEMPLATES:
        raise TemplateError(f"No existe la plantilla de correo «{plantilla}».")
    enlace = datos.get("enlace")
    if enlace is not None and not str(enlace).startswith(("https://", "http://")):
        raise TemplateError("El enlace del correo debe ser una dirección http(s).")
    environment = _environment()
    try:
        module = environment.get_template(f"{plantilla}.txt").make_module(dict(datos))
        subject = " ".join(str(getattr(module, "asunto", "")).split())
        html = environment.get_template(f"{plantilla}.html").render({**datos, "asunto": subject})
    except jinja2.UndefinedError as e:
        raise TemplateError(f"Faltan datos para la plantilla de correo «{plantilla}».", detail=str(e)) from e
    return RenderedEmail(subject=subject, text=str(module), html=html)


def build_message(settings: SmtpSettings, para: Sequence[str], rendered: RenderedEmail) -> EmailMessage:
    """Build a multipart/alternative message (UTF-8 text and HTML) with a fresh Message-ID.

    :raises PermanentError: when a recipient is not a plain e-mail address.
    """
    bad = [address for address in para if not ADDRESS.match(address)]
    if bad or not para:
        raise PermanentError("Dirección de correo del destinatario inválida.", detail=bad)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = settings.sender
    message["To"] = ", ".join(para)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders must not answer
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server (STARTTLS and login when configured).

    :raises TemporaryError: server unreachable, disconnected or answering 4xx.
    :raises PermanentError: login refused, STARTTLS unavailable, certificate rejected, or 5xx.
    """
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as e:
        raise _smtp_error(e) from e
    if refused:
        log.warning("mail server refused %d of the recipients of %s", len(refused), message["Message-ID"])


def _smtp_error(e: Exception) -> ConnectorError:
    """Map an smtplib or socket failure to a temporary or permanent connector error."""
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return PermanentError("El servidor de correo rechazó el usuario o la contraseña (SMTP_USER).")
    if isinstance(e, smtplib.SMTPNotSupportedError):
        return PermanentError("El servidor de correo no admite STARTTLS o AUTH como está configurado.")
    if isinstance(e, ssl.SSLCertVerificationError):
        return PermanentError("No se pudo verificar el certificado del servidor de correo.", detail=str(e))
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in e.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            return TemporaryError("El servidor de correo no aceptó el destinatario por ahora.", detail=str(codes))
        return PermanentError("El servidor de correo rechazó el destinatario.", detail=str(codes))
    if isinstance(e, smtplib.SMTPResponseException):
        if 400 <= e.smtp_code < 500:
            return TemporaryError(f"El servidor de correo pidió reintentar (código {e.smtp_code}).")
        return PermanentError(f"El servidor de correo rechazó el mensaje (código {e.smtp_code}).")
    return TemporaryError("No se pudo conectar con el servidor de correo.", detail=str(e))


def send_email(
    config: Mapping[str, Any], para: str | Sequence[str], plantilla: str, datos: Mapping[str, Any] | None = None
) -> str:
    """Render a template and send it; the function the fronts get injected (e.g. e-mail verification).

    :param config: the connector's settings (``SMTP_*``, ``MAIL_FROM``).
    :param para: one address or several.
    :param plantilla: one of :data:`TEMPLATES`.
    :param datos: the template's values.
    :return: the Message-ID of the sent message.
    :raises ConnectorError: :class:`TemporaryError` when trying later may work, else a permanent error.
    """
    settings = _settings(config)
    recipients = [para] if isinstance(para, str) else list(para)
    message = build_message(settings, recipients, render(plantilla, datos or {}))
    _hand_over(config, settings, message)
    log.info("e-mail %s sent with template %s", message["Message-ID"], plantilla)
    return str(message["Message-ID"])


def plain_sender(config: Mapping[str, Any]) -> Callable[[str, str, str], None]:
    """``send_email(to, subject, body)`` for messages written by the platform itself (not templates).

    What ``create_app`` gives the fronts for sign-up links; the body is plain text, shown
    as preformatted text in the HTML part.

    :param config: the notification connector's settings (``SMTP_HOST``, ``MAIL_FROM``, …).
    """
    settings = _settings(config)

    def send(to: str, subject: str, body: str) -> None:
        html = f"<pre>{escape(body)}</pre>"
        message = build_message(settings, [to], RenderedEmail(subject=subject, text=body, html=html))
        _hand_over(config, settings, message)

    return send


def _settings(config: Mapping[str, Any]) -> SmtpSettings:
    """The SMTP settings, or only a sender when ``MAIL_OUTBOX_DIR`` keeps the mail locally."""
    if config.get("MAIL_OUTBOX_DIR"):
        return SmtpSettings(host="", port=0, sender=str(config.get("MAIL_FROM") or LOCAL_SENDER))
    return SmtpSettings.from_config(config)


def _hand_over(config: Mapping[str, Any], settings: SmtpSettings, message: EmailMessage) -> None:
    """Send ``message`` over SMTP, or keep it in the local outbox (``MAIL_OUTBOX_DIR``)."""
    folder = config.get("MAIL_OUTBOX_DIR")
    if folder:
        Mailbox(str(folder)).keep(message)
    else:
        deliver(settings, message)
