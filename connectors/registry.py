"""The connector registry: which operations exist, and the one way to call them.

Built-in connectors are a table from name to import string (:data:`BUILTINS`), imported only
when :meth:`ConnectorRegistry.load_builtins` runs; third-party connectors arrive through the
``tramites.connectors`` entry-point group (:meth:`ConnectorRegistry.load_entry_points`).
Every connector is checked when it registers (base class, name, at least one operation,
valid JSON Schemas), so a broken one stops the start instead of failing inside a process.

``create_app`` builds one registry and injects :meth:`ConnectorRegistry.invoke` into the
engine as ``call_connector(operation, params, context)`` and
:meth:`ConnectorRegistry.operations` as the list of known operation names.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from connectors.base import (
    FILES_FACT,
    JSON,
    Connector,
    ConnectorContext,
    ConnectorError,
    InvalidParams,
    Operation,
    PermanentError,
    TemporaryError,
    UnknownOperation,
)
from connectors.calling import BoundOperation, CaseInsensitiveHeaders, call_bound, checked_messages
from connectors.schema_errors import describe_errors

log = logging.getLogger("tramites.connectors")

#: Built-in connectors: name -> ``"module:Class"``. Only modules that exist are listed (a test
#: imports every entry); add a line here when a connector module lands.
BUILTINS: Mapping[str, str] = MappingProxyType({
    "gaf": "connectors.gaf:GafConnector",
    "catastro": "connectors.catastro:CatastroConnector",
    "documentos": "connectors.documents:DocumentsConnector",
    "notificar": "connectors.notify:NotifyConnector",
    "directorio": "connectors.ldap_:DirectoryConnector",
    "modelo_lenguaje": "connectors.language_model:LanguageModelConnector",
})
ENTRY_POINT_GROUP = "tramites.connectors"
SETTINGS_PREFIX = "TRAMITES_"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class RegistrationError(Exception):
    """A connector cannot be registered; the platform must not start with it."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownConnector(UnknownOperation):
    """No registered connector has that name (webhook for an unknown connector)."""

    status = 404


class WebhookRejected(PermanentError):
    """The connector refused an inbound webhook (bad signature, malformed body)."""

    status = 400


class SubscriptionRefused(WebhookRejected):
    """The connector refused a subscription handshake (wrong token, or no handshake at all)."""

    status = 403


class ConnectorRegistry:
    """Every registered connector and operation.

    :param storage: the document store handed to operations in their context.
    """

    def __init__(self, storage: Any = None) -> None:
        self.storage = storage
        self._connectors: dict[str, Connector] = {}
        self._operations: dict[str, BoundOperation] = {}

    def __repr__(self) -> str:
        return f"ConnectorRegistry({sorted(self._connectors)!r})"

    # -- registration ---------------------------------------------------------------------

    def register(self, connector: type[Connector] | Connector, config: Mapping[str, Any] | None = None) -> Connector:
        """Check a connector and add its operations.

        :param connector: a :class:`Connector` subclass (built with ``config``) or an instance.
        :param config: the connector's settings; only with a class.
        :return: the registered instance.
        :raises RegistrationError: when the connector breaks the contract or its name is taken.
        """
        instance = _instantiate(connector, config)
        name = instance.name
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise RegistrationError(f"{type(instance).__name__}: name {name!r} must match {NAME_PATTERN.pattern}")
        if name in self._connectors:
            raise RegistrationError(f"a connector named {name!r} is already registered "
                                    f"({type(self._connectors[name]).__name__})")
        bound = _bind(instance)
        self._connectors[name] = instance
        self._operations.update(bound)
        log.info("connector registered: %r with %s", instance, ", ".join(sorted(bound)))
        return instance

    def load_builtins(self, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> list[str]:
        """Import and register every connector of :data:`BUILTINS`.

        A built-in whose own module is not installed is skipped with a warning; a built-in
        whose module is present but broken (missing dependency, bad schema) raises.

        :param settings: the platform settings (names without ``TRAMITES_``).
        :param environ: where settings not in ``settings`` are read; ``os.environ`` by default.
        :return: the names registered.
        :raises RegistrationError: when a present built-in cannot be registered.
        """
        loaded = []
        for name, target in BUILTINS.items():
            cls = _import_builtin(name, target)
            if cls is not None:
                self.register(cls, connector_config(cls, settings, environ))
                loaded.append(name)
        return loaded

    def load_entry_points(self, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> list[str]:
        """Register the connectors installed packages declare in ``tramites.connectors``.

        Each entry point is ``<connector name> = "package.module:ConnectorClass"``; its name
        must equal the class's :attr:`Connector.name`.

        :return: the names registered.
        :raises RegistrationError: when an entry point cannot be loaded or breaks the contract.
        """
        loaded = []
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            origin = f"entry point {entry.name} = {entry.value}"
            try:
                target = entry.load()
            except Exception as e:
                raise RegistrationError(f"{origin} cannot be loaded: {type(e).__name__}: {e}") from e
            if not (isinstance(target, type) and issubclass(target, Connector)):
                raise RegistrationError(f"{origin} is not a subclass of connectors.base.Connector")
            if target.name != entry.name:
                raise RegistrationError(f"{origin} names a connector called {target.name!r}")
            self.register(target, connector_config(target, settings, environ))
            loaded.append(entry.name)
        return loaded

    # -- what exists ----------------------------------------------------------------------

    def operations(self) -> frozenset[str]:
        """Return the full names of every operation (``gaf/liquidar_tasa``)."""
        return frozenset(self._operations)

    def describe(self) -> list[JSON]:
        """Describe every operation, sorted by name, for ``tramites connectors`` and the studio.

        :return: dicts with ``name``, ``connector``, ``description``, ``params``, ``result``,
            ``timeout`` and ``retry_safe``.
        """
        return [
            {
                "name": full,
                "connector": bound.connector.name,
                "description": bound.operation.description,
                "params": copy.deepcopy(bound.operation.params),
                "result": copy.deepcopy(bound.operation.result),
                "timeout": bound.operation.timeout,
                "retry_safe": bound.operation.retry_safe,
                "after_commit": bound.operation.after_commit,
            }
            for full, bound in sorted(self._operations.items())
        ]

    def validate_literal_params(self, operation: str, params: Mapping[str, Any],
                                expressions: Iterable[str] = ()) -> list[str]:
        """Check at deployment the parameters a BPMN service task gives as literals.

        Parameters computed by expressions are only known when the task runs: name them in
        ``expressions`` so they count as present (their values are checked at run time).
        Required parameters that are neither literals nor expressions are reported.

        :param operation: the full operation name.
        :param params: the literal parameter values by name.
        :param expressions: names of parameters given as expressions.
        :return: problems in Spanish, empty when the literals fit the schema.
        :raises UnknownOperation: when no connector provides ``operation``.
        """
        bound = self._lookup(operation)
        present = set(params) | set(expressions)
        schema = bound.operation.params
        problems = [f"falta el parámetro obligatorio «{name}»"
                    for name in schema.get("required", ()) if name not in present]
        unknown = sorted(set(expressions) - set(schema.get("properties", {})))
        if unknown and schema.get("additionalProperties") is False:
            problems.append("parámetros no admitidos: " + ", ".join(unknown))
        errors = [e for e in bound.params.iter_errors(dict(params)) if not _is_missing_at_root(e)]
        return problems + describe_errors(errors)

    # -- calling --------------------------------------------------------------------------

    def after_commit_operations(self) -> frozenset[str]:
        """The operations that must run only after the calling step commits (notifications)."""
        return frozenset(name for name, bound in self._operations.items() if bound.operation.after_commit)

    def check_params(self, operation: str, params: Mapping[str, Any]) -> None:
        """Validate parameters without calling: what a deferred call is checked with at once.

        :raises UnknownOperation: no such operation.
        :raises InvalidParams: ``params`` do not match the schema.
        """
        bound = self._lookup(operation)
        problems = describe_errors(bound.params.iter_errors(dict(params)))
        if problems:
            raise InvalidParams(f"Parámetros inválidos para {operation}: " + "; ".join(problems), detail=problems)

    def invoke(self, operation: str, params: Mapping[str, Any],
               context: ConnectorContext | Mapping[str, Any] | None = None) -> JSON:
        """Call an operation: validate, run with its timeout, validate the result.

        The operation runs in a worker thread so that its timeout holds even when the
        connector blocks. A thread cannot be killed: after a timeout it keeps running in the
        background until the peer answers, which is why connectors must also set timeouts on
        their own I/O.

        :param operation: the full name, ``<connector>/<operation>``.
        :param params: plain JSON parameters.
        :param context: a :class:`ConnectorContext`, or a plain mapping of facts about the
            calling process instance (what the engine passes); the registry fills in the
            connector's configuration, the storage and a logger.
        :return: the operation's result, plain JSON, valid against its result schema.
        :raises UnknownOperation: no such operation.
        :raises InvalidParams: ``params`` do not match the schema (``detail`` lists problems).
        :raises TemporaryError: timeout, network failure or a temporary error of the peer, only
            for operations that are ``retry_safe`` (see :func:`connectors.calling.call_bound`).
        :raises PermanentError: any other failure, including a result that breaks the schema.
        """
        bound = self._lookup(operation)
        if not isinstance(params, Mapping):
            raise InvalidParams(f"Los parámetros de {operation} deben ser un objeto",
                                detail=["(raíz): debe ser un objeto"])
        self.check_params(operation, params)
        call_context = self._context_for(bound.connector, context)
        return call_bound(bound, copy.deepcopy(dict(params)), call_context)

    def parse_webhook(self, connector_name: str, headers: Mapping[str, str], body: bytes) -> list[JSON]:
        """Hand an inbound webhook to its connector and check the messages it returns.

        :param connector_name: the ``<connector>`` of ``POST /hooks/<connector>``.
        :param headers: the request headers (looked up case-insensitively).
        :param body: the raw request body, exactly as received (signatures cover it).
        :return: messages ``{"name", "correlation", "data", "message_id"}`` for the engine.
        :raises UnknownConnector: no connector has that name (answer 404).
        :raises WebhookRejected: the connector refused the request (answer 400).
        :raises TemporaryError: the connector cannot decide now (answer 503; the sender retries).
        :raises PermanentError: the connector failed unexpectedly (answer 502).
        """
        connector = self._connectors.get(connector_name)
        if connector is None:
            raise UnknownConnector(f"No hay un conector «{connector_name}»")
        try:
            messages = connector.parse_webhook(CaseInsensitiveHeaders(headers), bytes(body))
        except TemporaryError:
            raise
        except ConnectorError as e:
            raise WebhookRejected(e.message, detail=e.detail) from e
        except Exception as e:
            log.exception("connector %s failed parsing a webhook", connector_name)
            raise PermanentError(f"El conector {connector_name} no pudo interpretar el aviso recibido") from e
        return checked_messages(connector_name, messages)

    def verify_subscription(self, connector_name: str, params: Mapping[str, str]) -> str:
        """Hand a provider's ``GET`` subscription handshake to its connector.

        :return: the text to answer with status 200 (WhatsApp: the ``hub.challenge``).
        :raises UnknownConnector: no connector has that name (answer 404).
        :raises SubscriptionRefused: the connector has no handshake or the request does not verify (answer 403).
        """
        connector = self._connectors.get(connector_name)
        if connector is None:
            raise UnknownConnector(f"No hay un conector «{connector_name}»")
        try:
            return connector.verify_subscription(dict(params))
        except ConnectorError as e:
            raise SubscriptionRefused(e.message, detail=e.detail) from e

    def connector(self, name: str) -> tuple[Connector, ConnectorContext]:
        """A registered connector and the context its operations get, for a caller outside BPMN.

        :raises UnknownConnector: no connector has that name.
        """
        found = self._connectors.get(name)
        if found is None:
            raise UnknownConnector(f"No hay un conector «{name}»")
        return found, self._context_for(found, None)

    def _lookup(self, operation: str) -> BoundOperation:
        bound = self._operations.get(operation)
        if bound is None:
            raise UnknownOperation(f"No existe la operación «{operation}»")
        return bound

    def _context_for(self, connector: Connector,
                     given: ConnectorContext | Mapping[str, Any] | None) -> ConnectorContext:
        if given is None:
            base = ConnectorContext()
        elif isinstance(given, ConnectorContext):
            base = given
        elif isinstance(given, Mapping):
            facts = dict(given)
            files = facts.pop(FILES_FACT, None)
            base = ConnectorContext(instance=facts, files=MappingProxyType(dict(files or {})))
        else:
            raise TypeError(f"context must be a ConnectorContext or a mapping, not {type(given).__name__}")
        logger = base.logger
        if logger.name == log.name:  # the default: give each connector its own child logger
            logger = log.getChild(connector.name)
        storage = base.storage if base.storage is not None else self.storage
        return dataclasses.replace(base, config=connector.config, storage=storage, logger=logger)


def connector_config(cls: type[Connector], settings: Mapping[str, Any],
                     environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Collect the settings a connector declares, from ``settings`` or ``TRAMITES_*`` variables.

    :param cls: the connector class; its :attr:`Connector.settings` names the keys.
    :param settings: platform settings by name without prefix; they win over ``environ``.
    :param environ: ``os.environ`` by default.
    :return: only the keys that have a non-empty value.
    """
    env = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for key in cls.settings:
        value = settings.get(key)
        if value is None or value == "":
            value = env.get(SETTINGS_PREFIX + key)
        if value is not None and value != "":
            config[key] = value
    return config


def _instantiate(connector: type[Connector] | Connector, config: Mapping[str, Any] | None) -> Connector:
    if isinstance(connector, Connector):
        if config is not None:
            raise RegistrationError(f"{type(connector).__name__}: pass the configuration with the class, "
                                    "not with an instance")
        return connector
    if not (isinstance(connector, type) and issubclass(connector, Connector)):
        raise RegistrationError(f"{connector!r} is not a subclass of connectors.base.Connector")
    try:
        return connector(config or {})
    except Exception as e:
        raise RegistrationError(f"{connector.__name__} rejected its configuration: {e}") from e


def _bind(instance: Connector) -> dict[str, BoundOperation]:
    """Check every declared operation of ``instance`` and return them by full name."""
    declared = _declared_operations(type(instance))
    if not declared:
        raise RegistrationError(f"connector {instance.name!r} declares no operation (use @operation)")
    bound: dict[str, BoundOperation] = {}
    for attr, op in declared:
        full = f"{instance.name}/{op.name}"
        if not NAME_PATTERN.fullmatch(op.name):
            raise RegistrationError(f"{full}: operation name must match {NAME_PATTERN.pattern}")
        if not op.timeout > 0:
            raise RegistrationError(f"{full}: timeout must be positive")
        bound[full] = BoundOperation(full, instance, op, getattr(instance, attr),
                             _compile(op.params, f"{full} params"), _compile(op.result, f"{full} result"))
    return bound


def _declared_operations(cls: type[Connector]) -> list[tuple[str, Operation]]:
    """Return ``(attribute, Operation)`` pairs, refusing two methods with one operation name."""
    seen: dict[str, str] = {}
    found = []
    for attr in dir(cls):
        declared = getattr(getattr(cls, attr, None), "__tramites_operation__", None)
        if not isinstance(declared, Operation):
            continue
        if declared.name in seen:
            raise RegistrationError(f"{cls.__name__}: methods {seen[declared.name]} and {attr} "
                                    f"both declare the operation {declared.name!r}")
        seen[declared.name] = attr
        found.append((attr, declared))
    return found


def _compile(schema: Any, what: str) -> Validator:
    if not isinstance(schema, Mapping):
        raise RegistrationError(f"{what}: the schema must be a JSON object")
    cls = validator_for(schema, default=Draft202012Validator)
    problem = _schema_problem(cls, schema)
    if problem is not None:
        raise RegistrationError(f"{what}: not a valid JSON Schema: {problem}")
    if schema.get("type") != "object":
        raise RegistrationError(f"{what}: the schema must describe an object (\"type\": \"object\")")
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _schema_problem(cls: type[Validator], schema: Mapping[str, Any]) -> str | None:
    """Why ``schema`` is not a valid JSON Schema, or ``None``; each distinct schema is checked once.

    Checking against the metaschema cost a third of building an app, and every app registers
    the same built-in connectors' schemas again.
    """
    try:
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return _check_schema(cls, schema)
    if (cls, key) not in _CHECKED_SCHEMAS:
        _CHECKED_SCHEMAS[(cls, key)] = _check_schema(cls, schema)
    return _CHECKED_SCHEMAS[(cls, key)]


_CHECKED_SCHEMAS: dict[tuple[type[Validator], str], str | None] = {}


def _check_schema(cls: type[Validator], schema: Mapping[str, Any]) -> str | None:
    try:
        cls.check_schema(schema)
    except SchemaError as e:
        return str(e.message)
    return None


def _import_builtin(name: str, target: str) -> type[Connector] | None:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            log.warning("built-in connector %s skipped: module %s is not installed", name, module_name)
            return None
        raise RegistrationError(f"built-in connector {name}: {module_name} needs {e.name}, which is missing") from e
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise RegistrationError(f"built-in connector {name}: {target} is not a Connector subclass")
    return cls


def _is_missing_at_root(error: Any) -> bool:
    """Whether a validation error at the top level only says that parameters are absent.

    Alternatives (``oneOf``/``anyOf`` of ``required`` sets) count too: which one holds may
    depend on the parameters given as expressions, known only when the task runs.
    """
    if error.absolute_path:
        return False
    if error.validator in ("oneOf", "anyOf"):
        return all(_is_missing_at_root(inner) for inner in error.context or [])
    return bool(error.validator in ("required", "dependentRequired"))
