"""Errors of the documents connector.

They derive from the connector contract's errors so that a failing service task becomes
the right kind of incident (a broken template is permanent, an unreachable storage is
temporary). ``message`` is Spanish and safe to show to staff; details go to ``detail``
and the logs, never to citizens.
"""

from __future__ import annotations

from connectors.base import PermanentError, TemporaryError


class DocumentError(PermanentError):
    """A certificate could not be produced; retrying the same request cannot succeed."""

    status = 500


class TemplateNotFoundError(DocumentError):
    """The named certificate template does not exist (or lies outside the templates root)."""

    status = 404


class RenderError(DocumentError):
    """The template does not render: syntax error, missing data, sandbox violation."""

    status = 422


class SigningConfigError(DocumentError):
    """The signing certificate is missing, unreadable or its password is wrong."""

    status = 500


class SigningError(DocumentError):
    """pyHanko refused to sign the document."""

    status = 500


class DocumentStorageError(TemporaryError):
    """The signed PDF could not be stored; the store may come back."""
