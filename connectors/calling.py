"""Calling one registered operation: its timeout, the errors it may raise, its checked result.

:class:`~connectors.registry.ConnectorRegistry` validates parameters and then hands the call
to :func:`call_bound`, which runs the operation in a worker thread, turns what escapes it into
the typed errors of :mod:`connectors.base` and checks the result against the declared schema.
"""

from __future__ import annotations

import contextvars
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.protocols import Validator

from connectors.base import JSON, Connector, ConnectorContext, ConnectorError, Operation, PermanentError, TemporaryError
from connectors.schema_errors import describe_errors

NOT_RETRIED = ("no se reintentó automáticamente porque repetir la operación no es seguro "
               "(podría duplicarse); revise el resultado en el sistema externo antes de reintentar")


@dataclass(frozen=True)
class BoundOperation:
    """One registered operation, ready to call."""

    full_name: str
    connector: Connector
    operation: Operation
    method: Callable[[JSON, ConnectorContext], Any]
    params: Validator
    result: Validator


def call_bound(bound: BoundOperation, params: JSON, context: ConnectorContext) -> JSON:
    """Run an operation with its timeout and return its checked result.

    A temporary failure (timeout, network, peer busy) of an operation that is not
    :attr:`~connectors.base.Operation.retry_safe` becomes a :class:`PermanentError`: the engine
    retries temporary errors on its own, and repeating, say, a payment whose answer was lost
    could charge twice. Staff decide from the incident.

    :raises TemporaryError: the call may succeed later and repeating it is harmless.
    :raises PermanentError: any other failure, including a result that breaks the schema.
    """
    try:
        raw = _call_with_timeout(bound, params, context)
    except TemporaryError as e:
        if bound.operation.retry_safe:
            raise
        context.logger.warning("%s failed temporarily and is not safe to repeat: not retried", bound.full_name)
        raise PermanentError(f"{e.message} — {NOT_RETRIED}", detail=e.detail) from e
    return _checked_result(bound, raw)


def _call_with_timeout(bound: BoundOperation, params: JSON, context: ConnectorContext) -> Any:
    """Run the operation in a daemon thread and wait at most its timeout."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = bound.method(params, context)
        except Exception as e:  # handed to the caller's thread below
            outcome["error"] = e
        finally:
            done.set()

    thread = threading.Thread(target=contextvars.copy_context().run, args=(run,),
                              name=f"connector {bound.full_name}", daemon=True)
    thread.start()
    timeout = bound.operation.timeout
    if not done.wait(timeout):
        context.logger.warning("%s did not answer within %g s; its thread is left to finish", bound.full_name, timeout)
        raise TemporaryError(f"{bound.full_name} no respondió en {timeout:g} s")
    error = outcome.get("error")
    if error is None and "value" not in outcome:
        raise PermanentError(f"{bound.full_name} terminó sin resultado")
    if isinstance(error, ConnectorError):
        raise error
    if isinstance(error, OSError):  # includes socket timeouts and requests' errors
        context.logger.warning("%s: communication failure: %s", bound.full_name, type(error).__name__)
        raise TemporaryError(f"{bound.full_name}: falla de comunicación ({type(error).__name__})") from error
    if error is not None:
        context.logger.error("%s failed unexpectedly", bound.full_name, exc_info=error)
        raise PermanentError(f"{bound.full_name}: error inesperado del conector ({type(error).__name__})") from error
    return outcome["value"]


def _checked_result(bound: BoundOperation, raw: Any) -> JSON:
    name = bound.connector.name
    try:
        plain = json.loads(json.dumps(raw, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise PermanentError(f"El conector {name} devolvió un resultado que no es JSON en {bound.full_name}") from e
    if not isinstance(plain, dict):
        raise PermanentError(f"El conector {name} devolvió un resultado que no es un objeto en {bound.full_name}")
    problems = describe_errors(bound.result.iter_errors(plain))
    if problems:
        raise PermanentError(f"El conector {name} devolvió un resultado inválido en {bound.full_name}: "
                             + "; ".join(problems), detail=problems)
    return plain


def checked_messages(name: str, messages: Any) -> list[JSON]:
    """Check the messages a connector's ``parse_webhook`` returned; return them as plain JSON.

    :raises PermanentError: when they are not a list of engine messages ``{"name", "correlation", "data",
        "message_id"}``, conversation notices or status notices (``{"kind": "conversation" | "status",
        "channel", "message_id", "data"}``; see :meth:`connectors.base.Connector.parse_webhook`).
    """
    try:
        plain = json.loads(json.dumps(messages, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise PermanentError(f"El conector {name} produjo mensajes que no son JSON") from e
    if not isinstance(plain, list) or not all(_is_message(m) for m in plain):
        raise PermanentError(f"El conector {name} produjo mensajes con una forma inválida")
    return plain


#: The kinds of notice besides engine messages: a person wrote on a channel; a reply's delivery status.
NOTICE_KINDS = ("conversation", "status")


def _is_message(message: Any) -> bool:
    if isinstance(message, dict) and message.get("kind") in NOTICE_KINDS:
        return _is_notice(message)
    return (isinstance(message, dict) and message.get("kind", "message") == "message"
            and isinstance(message.get("name"), str) and bool(message["name"])
            and isinstance(message.get("correlation"), dict)
            and isinstance(message.get("data"), dict)
            and (message.get("message_id") is None or isinstance(message["message_id"], str)))


def _is_notice(notice: dict[str, Any]) -> bool:
    """A conversation or status notice: a channel, the provider's message id, and plain data."""
    return (isinstance(notice.get("channel"), str) and bool(notice["channel"])
            and isinstance(notice.get("message_id"), str) and bool(notice["message_id"])
            and isinstance(notice.get("data"), dict))



class CaseInsensitiveHeaders(Mapping[str, str]):
    """Request headers with case-insensitive look-up, whatever mapping the web layer passes."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._items = {str(k).lower(): (str(k), str(v)) for k, v in headers.items()}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

