"""The registry never hands the engine a retryable error for an operation that is unsafe to repeat."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import pytest

from connectors.base import JSON, Connector, ConnectorContext, PermanentError, TemporaryError, operation
from connectors.calling import NOT_RETRIED
from connectors.registry import ConnectorRegistry

_ANY: JSON = {"type": "object"}
_KIND: JSON = {"type": "object", "required": ["falla"],
               "properties": {"falla": {"enum": ["temporal", "red", "demora", "permanente", "ninguna"]}}}


class PaymentConnector(Connector):
    """A payment that must never be repeated by a machine, next to a harmless query."""

    name = "caja"
    calls: ClassVar[list[str]] = []
    release: ClassVar[threading.Event] = threading.Event()

    @operation(params=_KIND, result=_ANY, retry_safe=False, timeout=0.3)
    def cobrar(self, params: JSON, context: ConnectorContext) -> JSON:
        """Cobrar un importe."""
        return self._behave("cobrar", params["falla"])

    @operation(params=_KIND, result=_ANY, timeout=0.3)
    def consultar(self, params: JSON, context: ConnectorContext) -> JSON:
        """Consultar el estado de un cobro."""
        return self._behave("consultar", params["falla"])

    def _behave(self, name: str, kind: str) -> JSON:
        PaymentConnector.calls.append(name)
        if kind == "temporal":
            raise TemporaryError("La caja no responde")
        if kind == "red":
            raise ConnectionResetError("reset by peer")
        if kind == "demora":
            PaymentConnector.release.wait(5)
            return {}
        if kind == "permanente":
            raise PermanentError("Importe rechazado")
        return {"cobrado": True}


@pytest.fixture
def registry() -> Any:
    PaymentConnector.calls.clear()
    PaymentConnector.release.clear()
    found = ConnectorRegistry()
    found.register(PaymentConnector)
    yield found
    PaymentConnector.release.set()  # let a stalled worker thread end


@pytest.mark.parametrize(("kind", "said"), [
    ("temporal", "La caja no responde"),
    ("red", "falla de comunicación (ConnectionResetError)"),
    ("demora", "no respondió en 0.3 s"),
])
def test_a_temporary_failure_of_an_unsafe_operation_becomes_permanent(registry: Any, kind: str, said: str) -> None:
    started = time.monotonic()
    with pytest.raises(PermanentError) as caught:
        registry.invoke("caja/cobrar", {"falla": kind})
    error = caught.value
    assert not error.temporary and not isinstance(error, TemporaryError)
    assert said in error.message and NOT_RETRIED in error.message
    assert "no se reintentó automáticamente" in error.message
    assert isinstance(error.__cause__, TemporaryError)
    assert time.monotonic() - started < 3
    assert PaymentConnector.calls == ["cobrar"]


@pytest.mark.parametrize("kind", ["temporal", "red", "demora"])
def test_a_retry_safe_operation_keeps_its_temporary_errors(registry: Any, kind: str) -> None:
    with pytest.raises(TemporaryError) as caught:
        registry.invoke("caja/consultar", {"falla": kind})
    assert caught.value.temporary and NOT_RETRIED not in caught.value.message


def test_permanent_errors_and_successes_of_an_unsafe_operation_are_unchanged(registry: Any) -> None:
    with pytest.raises(PermanentError) as caught:
        registry.invoke("caja/cobrar", {"falla": "permanente"})
    assert caught.value.message == "Importe rechazado"
    assert registry.invoke("caja/cobrar", {"falla": "ninguna"}) == {"cobrado": True}


def test_describe_says_which_operations_are_retry_safe(registry: Any) -> None:
    described = {d["name"]: d for d in registry.describe()}
    assert described["caja/cobrar"]["retry_safe"] is False
    assert described["caja/consultar"]["retry_safe"] is True
    assert described["caja/cobrar"]["description"] == "Cobrar un importe."
