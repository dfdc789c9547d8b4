"""GAF's OpenAPI contract (``openapi.yaml``) as a validator of requests, responses and webhooks.

Framework-free: the sandbox's Flask face hands it plain values (operation id, path
parameters, headers, media type, raw body). OpenAPI 3.1 schemas are JSON Schema 2020-12,
so jsonschema validates them directly; ``$ref`` pointers resolve inside the document through
a ``referencing`` registry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from connectors.schema_errors import describe_errors

CONTRACT_PATH = Path(__file__).with_name("openapi.yaml")
MAX_CONTRACT_BYTES = 1024 * 1024
_BASE_URI = "urn:tramites:gaf:openapi"
_METHODS = ("get", "put", "post", "delete", "patch")


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing anchors and aliases (a 1 KB "billion laughs" expands to gigabytes)."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "no se admiten anclas ni alias de YAML", event.start_mark)
        return super().compose_node(parent, index)


class Problem(Exception):
    """An answer of the sandbox as ``application/problem+json`` (RFC 9457).

    :param status: the HTTP status.
    :param title: a short Spanish summary.
    :param detail: a Spanish explanation for this occurrence.
    :param errors: what broke the contract, one sentence each.
    """

    def __init__(self, status: int, title: str, detail: str = "", errors: list[str] | None = None) -> None:
        super().__init__(f"{status} {title}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors or [])

    def body(self) -> dict[str, Any]:
        """Return the problem document."""
        doc: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            doc["detail"] = self.detail
        if self.errors:
            doc["errores"] = self.errors
        return doc


class ContractViolation(Problem):
    """A request does not match the contract (422)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(422, "La solicitud no cumple el contrato", "; ".join(errors), errors)


@dataclass(frozen=True)
class OperationSpec:
    """One operation of the contract, with the JSON pointer where it lives."""

    id: str
    method: str
    path: str
    pointer: str
    spec: dict[str, Any] = field(repr=False)


class Contract:
    """The parsed ``openapi.yaml`` and validators for its parts.

    :param document: the OpenAPI 3.1 document as plain data.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}

    @classmethod
    def load(cls, path: Path = CONTRACT_PATH) -> Contract:
        """Read the contract file (YAML: plain types, no anchors or aliases, at most 1 MB).

        A file already read, unchanged since, is not parsed again: every app a process builds
        mounts a sandbox, and parsing the contract cost most of the sandbox's setup. Nothing
        changes a contract's document after loading, so the sandboxes share it.

        :raises ValueError: for a file past the size, with an anchor or alias, or not YAML.
        """
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _PARSED:
            _PARSED[key] = _parse(path)
        return cls(_PARSED[key])

    @cached_property
    def operations(self) -> dict[str, OperationSpec]:
        """Every operation of ``paths`` by its ``operationId``."""
        found = {}
        for path, item in self.document.get("paths", {}).items():
            for method in _METHODS:
                if method in item:
                    spec = item[method]
                    pointer = f"/paths/{_escape(path)}/{method}"
                    found[spec["operationId"]] = OperationSpec(spec["operationId"], method.upper(), path, pointer, spec)
        return found

    def requires_bearer(self, operation_id: str) -> bool:
        """Whether the operation needs the bearer token (its own or the document's ``security``)."""
        security = self.operations[operation_id].spec.get("security", self.document.get("security", []))
        return any("bearer" in requirement for requirement in security)

    def declares(self, operation_id: str, status: int) -> bool:
        """Whether the operation's responses admit ``status``."""
        return _response_key(self.operations[operation_id].spec.get("responses", {}), status) is not None

    def check_request(self, operation_id: str, *, path_params: Mapping[str, Any], headers: Mapping[str, str],
                      media_type: str, body: bytes) -> Any:
        """Validate a request and return its parsed JSON body (``None`` without one).

        :raises ContractViolation: listing every problem found.
        """
        op = self.operations[operation_id]
        errors = self._check_parameters(op, path_params, headers)
        parsed, body_errors = self._check_body(op, media_type, body)
        if errors or body_errors:
            raise ContractViolation(errors + body_errors)
        return parsed

    def check_response(self, operation_id: str, status: int, media_type: str, body: bytes) -> list[str]:
        """Return how a response breaks the contract (empty when it fits)."""
        op = self.operations[operation_id]
        key = _response_key(op.spec.get("responses", {}), status)
        if key is None:
            return [f"el estado {status} no está declarado para {operation_id}"]
        response, pointer = self._deref(op.spec["responses"][key], f"{op.pointer}/responses/{_escape(key)}")
        content = response.get("content")
        if not content:
            return []
        if media_type not in content:
            return [f"respuesta {status} con tipo {media_type or '(ninguno)'}; se esperaba {', '.join(content)}"]
        return self._check_json(content[media_type], f"{pointer}/content/{_escape(media_type)}", media_type, body)[1]

    def check_webhook(self, name: str, event: Any) -> list[str]:
        """Return how a webhook body breaks the contract's ``webhooks`` entry ``name``."""
        pointer = f"/webhooks/{_escape(name)}/post/requestBody/content/application~1json/schema"
        return describe_errors(self._validator(pointer).iter_errors(event))

    def _check_parameters(self, op: OperationSpec, path_params: Mapping[str, Any],
                          headers: Mapping[str, str]) -> list[str]:
        errors: list[str] = []
        lowered = {k.lower(): v for k, v in headers.items()}  # header names are case-insensitive
        for index, raw in enumerate(op.spec.get("parameters", [])):
            param, pointer = self._deref(raw, f"{op.pointer}/parameters/{index}")
            name, where = param["name"], param["in"]
            value = {"path": path_params.get(name), "header": lowered.get(name.lower())}.get(where)
            if value is None:
                if param.get("required"):
                    errors.append(f"{name}: falta el parámetro obligatorio ({where})")
                continue
            problems = describe_errors(self._validator(f"{pointer}/schema").iter_errors(value))
            errors.extend(f"{name}{p.removeprefix('(raíz)')}" for p in problems)
        return errors

    def _check_body(self, op: OperationSpec, media_type: str, body: bytes) -> tuple[Any, list[str]]:
        if "requestBody" not in op.spec:
            return None, []
        request_body, pointer = self._deref(op.spec["requestBody"], f"{op.pointer}/requestBody")
        if not body:
            return None, ["falta el cuerpo de la solicitud"] if request_body.get("required") else []
        content = request_body.get("content", {})
        if media_type not in content:
            return None, [f"tipo de contenido {media_type or '(ninguno)'} no admitido; se espera {', '.join(content)}"]
        return self._check_json(content[media_type], f"{pointer}/content/{_escape(media_type)}", media_type, body)

    def _check_json(self, media: dict[str, Any], pointer: str, media_type: str, body: bytes) -> tuple[Any, list[str]]:
        if "schema" not in media or not media_type.endswith("json"):
            return None, []
        try:
            parsed = json.loads(body)
        except ValueError:
            return None, ["el cuerpo no es JSON válido"]
        return parsed, describe_errors(self._validator(f"{pointer}/schema").iter_errors(parsed))

    def _deref(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        """Follow OpenAPI-level ``$ref`` (parameters, responses, bodies) to the real object."""
        while "$ref" in node:
            pointer = node["$ref"].removeprefix("#")
            node = self.document
            for part in pointer.strip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def _validator(self, pointer: str) -> Draft202012Validator:
        validator = self._validators.get(pointer)
        if validator is None:
            schema = {"$ref": f"{_BASE_URI}#{quote(pointer, safe='/~')}"}
            validator = Draft202012Validator(schema, registry=self._registry,
                                             format_checker=Draft202012Validator.FORMAT_CHECKER)
            self._validators[pointer] = validator
        return validator


_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


def _parse(path: Path) -> dict[str, Any]:
    text = path.read_bytes()
    if len(text) > MAX_CONTRACT_BYTES:
        raise ValueError(f"{path}: supera los {MAX_CONTRACT_BYTES} bytes")
    loader = _NoAliasLoader(text.decode("utf-8"))
    try:
        document: dict[str, Any] = loader.get_single_data()
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: {e}") from e
    finally:
        loader.dispose()
    return document


def _escape(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def _response_key(responses: Mapping[str, Any], status: int) -> str | None:
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return key
    return None
