"""Engine operations: what the engine itself offers service tasks, beside the connectors' operations.

A service task names an operation (``notificaciones/notificar``); the engine looks it up here
first and only then in the connector registry. An engine operation runs inside the step's
transaction with the step's context (its clock, zone, the instance's facts), so what it
writes commits or rolls back with the step. ``create_app`` composes the table (see
:class:`engine.runtime.Runtime`); nothing registers itself at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.workflow.step import EngineContext

#: ``operation(ctx, params, facts) -> result``: ``facts`` are the calling instance's (id, number, element…).
EngineOperation = Callable[[EngineContext, dict[str, Any], dict[str, Any]], Any]
ConnectorCall = Callable[[str, dict[str, Any], dict[str, Any]], Any]


class OperationUnavailable(Exception):
    """A service task named an operation that neither the engine nor a connector offers (permanent)."""

    temporary = False

    def __init__(self, operation: str) -> None:
        self.message = f"La operación «{operation}» no existe en esta instalación."
        super().__init__(self.message)


@dataclass(frozen=True)
class EngineOperations:
    """The engine's own operations by name (``folder/verb``, like the connectors')."""

    table: Mapping[str, EngineOperation] = field(default_factory=dict)

    def names(self) -> frozenset[str]:
        return frozenset(self.table)

    def calling(self, ctx: EngineContext, call_connector: ConnectorCall | None) -> ConnectorCall:
        """A ``call_connector`` that answers the engine's operations itself and hands the rest on.

        :param call_connector: the connectors' call; ``None`` when no connector is configured.
        """

        def call(operation: str, params: dict[str, Any], facts: dict[str, Any]) -> Any:
            found = self.table.get(operation)
            if found is not None:
                return found(ctx, params, facts)
            if call_connector is None:
                raise OperationUnavailable(operation)
            return call_connector(operation, params, facts)

        return call
