"""The contract every connector fulfils.

A connector is a class derived from :class:`Connector` that declares its operations with
:func:`operation`. BPMN service tasks call an operation by its full name,
``<connector name>/<operation name>`` (``gaf/liquidar_tasa``), with plain JSON parameters,
and get plain JSON back. The registry validates parameters and results against the
declared schemas, so an operation's body can trust its input.

Connectors are leaves: they import nothing of the platform and no Flask. What they need
from the platform arrives in a :class:`ConnectorContext`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

JSON = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])


class ConnectorError(Exception):
    """An operation failed. ``message`` is safe to show to staff in an incident.

    ``temporary`` tells the engine whether trying again later may succeed (network down,
    peer busy): temporary errors are retried with backoff, permanent ones become an
    incident at once.
    """

    temporary = False
    status = 502

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class TemporaryError(ConnectorError):
    """The peer could not be reached or answered "try later"."""

    temporary = True
    status = 503


class PermanentError(ConnectorError):
    """The peer refused the request; retrying the same request cannot succeed."""


class InvalidParams(PermanentError):
    """The parameters do not match the operation's schema."""

    status = 422


class UnknownOperation(PermanentError):
    """No registered connector provides the operation."""

    status = 404


@dataclass(frozen=True)
class Operation:
    """What the registry knows of one operation.

    :param name: the short name inside its connector (``liquidar_tasa``).
    :param params: JSON Schema of the parameters object.
    :param result: JSON Schema of the result object.
    :param timeout: seconds the operation may take before it counts as a temporary error.
    :param retry_safe: whether calling it twice with the same parameters is harmless.
    :param description: one line for ``tramites connectors`` and the studio.
    :param after_commit: run it only once the step that calls it has committed (notifications:
        nobody is told of a change that then rolls back); the process gets ``{"encolado": true}``.
    """

    name: str
    params: JSON
    result: JSON
    timeout: float = 30.0
    retry_safe: bool = True
    description: str = ""
    after_commit: bool = False


#: The key of the facts mapping under which the engine hands over the deployment's files
#: (moved into :attr:`ConnectorContext.files`, never left among the plain facts).
FILES_FACT = "deployment_files"


@dataclass
class ConnectorContext:
    """What an operation may use besides its parameters.

    :param config: this connector's settings (URLs, secrets); never from BPMN.
    :param storage: the document store (``put``/``get``/``stat``), when the platform has one.
    :param logger: where to log; never log secrets.
    :param instance: plain facts about the calling process instance (id, case number,
        public URL), empty outside a process. A call delivered from the outbox also carries
        ``delivery_id``, the same on every attempt to deliver that one call: a connector that
        can make the far side recognise a repeat uses it (the e-mail's Message-ID).
    :param files: the files of the calling instance's deployed version (bundle-relative name →
        bytes, read-only), empty outside a process: templates come from here, never from disk.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    storage: Any = None
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("tramites.connectors"))
    instance: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)


def operation(
    *,
    params: JSON,
    result: JSON,
    timeout: float = 30.0,
    retry_safe: bool = True,
    name: str | None = None,
    after_commit: bool = False,
) -> Callable[[F], F]:
    """Declare a method of a :class:`Connector` as an operation.

    The method is called as ``method(self, params: dict, context: ConnectorContext) -> dict``.
    """

    def mark(method: F) -> F:
        doc = (method.__doc__ or "").strip().splitlines()
        method.__tramites_operation__ = Operation(  # type: ignore[attr-defined]
            name=name or method.__name__,
            params=params,
            result=result,
            timeout=timeout,
            retry_safe=retry_safe,
            description=doc[0] if doc else "",
            after_commit=after_commit,
        )
        return method

    return mark


class Connector:
    """Base class of every connector.

    Subclasses set :attr:`name` (the prefix of their operations, lowercase letters, digits
    and underscores) and :attr:`settings` (the configuration keys they read, without the
    ``TRAMITES_`` prefix; those in :attr:`secrets` are never logged or shown). The
    constructor takes the connector's configuration mapping.
    """

    name: str = ""
    settings: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config: Mapping[str, Any] = dict(config or {})

    def __repr__(self) -> str:
        shown = {k: ("***" if k in self.secrets else v) for k, v in self.config.items()}
        return f"{type(self).__name__}({shown!r})"

    @classmethod
    def operations(cls) -> dict[str, tuple[Operation, str]]:
        """Return ``{short name: (Operation, method name)}`` for every declared operation."""
        found: dict[str, tuple[Operation, str]] = {}
        for attr in dir(cls):
            declared = getattr(getattr(cls, attr, None), "__tramites_operation__", None)
            if isinstance(declared, Operation):
                found[declared.name] = (declared, attr)
        return found

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[JSON]:
        """Turn an inbound webhook into messages for the engine.

        Verify the request (signature) first; raise :class:`PermanentError` when it does not
        verify. Each item is one of:

        - a BPMN message ``{"name": str, "correlation": {...}, "data": {...}, "message_id": str | None}``
          (``"kind": "message"`` may be said or left out);
        - a conversation notice ``{"kind": "conversation", "channel": str, "message_id": str, "data":
          {"telefono", "nombre", "tipo", "texto", "recibido", "ubicacion"?, "adjunto"?, "respuesta"?}}``:
          a person wrote on a messaging channel (``engine.conversations`` answers it);
        - a status notice ``{"kind": "status", "channel": str, "message_id": str, "data": {"estado",
          "fecha", "referencia", "error"}}``: what became of a message the platform sent.

        Connectors without webhooks keep this default.
        """
        raise PermanentError(f"the {self.name or type(self).__name__} connector takes no webhooks")

    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """Answer a provider's ``GET`` subscription handshake on the webhook's URL (WhatsApp's ``hub.challenge``).

        Return the text to answer with status 200; raise :class:`PermanentError` when the
        request does not verify. Connectors whose provider has no handshake keep this default.
        """
        raise PermanentError(f"the {self.name or type(self).__name__} connector has no subscription handshake")
