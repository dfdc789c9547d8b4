"""Errors of the notifications connector, each with the HTTP status the web layer answers."""

from __future__ import annotations

from connectors.base import PermanentError


class ConfigurationError(PermanentError):
    """A setting the channel needs is missing or malformed; staff must fix the configuration."""

    status = 500


class TemplateError(PermanentError):
    """The e-mail template does not exist, or the data lack what it needs."""

    status = 422


class SignatureError(PermanentError):
    """An inbound webhook or verification request did not prove it comes from Meta."""

    status = 403


class PayloadError(PermanentError):
    """An inbound webhook is signed but its body is not the documented JSON."""

    status = 400
