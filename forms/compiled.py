"""A schema compiled once: its dialect, absolute references, lookup, and its validator.

Compiling checks the schema the way an analyst needs at deploy time (meta-schema, known
formats, references that resolve, patterns that compile) and raises :class:`SchemaError`
with the place of the problem. Compiled schemas are cached by their JSON text, so callers
may pass the same dict on every request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urljoin

import jsonschema
import referencing.jsonschema
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.exceptions import Unresolvable

from forms.errors import SchemaError
from forms.formats import FILE_FORMATS, FORMAT_CHECKER, KNOWN_FORMATS, is_file_ref
from forms.messages import describe
from forms.naming import from_path
from forms.personal_data import check as check_classification

# Keywords whose value is a subschema, a list of subschemas, or a map of name -> subschema.
ONE = ("additionalProperties", "additionalItems", "items", "contains", "propertyNames", "not", "if", "then",
       "else", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
LEGACY_MARKERS = ("additionalItems", "dependencies")
T = TypeVar("T")


def _with_files(base: Any) -> Any:
    """``base`` where a file field accepts a document reference instead of a string."""
    base_type = base.VALIDATORS["type"]

    def type_(validator: Any, types: Any, instance: Any, schema: Any) -> Iterator[Any]:
        # A file field holds a reference object; the format check says what is wrong with it.
        if schema.get("format") in FILE_FORMATS and (is_file_ref(instance) or isinstance(instance, dict)):
            return
        yield from base_type(validator, types, instance, schema)

    return jsonschema.validators.extend(base, {"type": type_})


def _lenient() -> Any:
    """Draft 2020-12 that also understands draft-07's ``dependencies`` and array ``items``.

    Used when a schema names no ``$schema``: rjsf (and so SpiffArena) forms are draft-07.
    """
    new_items = Draft202012Validator.VALIDATORS["items"]
    old_items = Draft7Validator.VALIDATORS["items"]

    def items(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        chosen = old_items if isinstance(value, list) else new_items
        yield from chosen(validator, value, instance, schema)

    legacy = {
        "items": items,
        "additionalItems": Draft7Validator.VALIDATORS["additionalItems"],
        "dependencies": Draft7Validator.VALIDATORS["dependencies"],
    }
    return jsonschema.validators.extend(Draft202012Validator, legacy)


LENIENT = _with_files(_lenient())
_BY_CLASS: dict[Any, Any] = {}


def _validator_class(schema: dict[str, Any]) -> tuple[Any, Any, str]:
    """(validator class, meta-schema class, dialect name) for ``schema``."""
    dialect = schema.get("$schema")
    if dialect is None:
        meta = Draft7Validator if _uses_legacy(schema) else Draft202012Validator
        return LENIENT, meta, "2020-12"
    base = jsonschema.validators.validator_for(schema, default=None)
    if base is None:
        raise SchemaError(f"Versión de JSON Schema desconocida: «{dialect}». Use draft 2020-12 o draft-07.", "/$schema")
    if base not in _BY_CLASS:
        _BY_CLASS[base] = _with_files(base)
    return _BY_CLASS[base], base, str(dialect)


def _uses_legacy(schema: Any) -> bool:
    for node, _ in walk(schema):
        if isinstance(node.get("items"), list) or any(k in node for k in LEGACY_MARKERS):
            return True
    return False


def walk(schema: Any, location: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Every subschema that is an object, with its JSON pointer inside the schema."""
    if not isinstance(schema, dict):
        return
    yield schema, location
    for key, value in schema.items():
        here = location + "/" + key.replace("~", "~0").replace("/", "~1")
        if key in ONE or key in ("items",):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield from walk(item, f"{here}/{i}")
            else:
                yield from walk(value, here)
        elif key in MANY and isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(item, f"{here}/{i}")
        elif key in MAPS and isinstance(value, dict):
            for name, item in value.items():
                yield from walk(item, here + "/" + name.replace("~", "~0").replace("/", "~1"))


def _absolute(node: Any, base: str) -> Any:
    """A copy of ``node`` where every ``$ref`` is absolute, so subschemas need no context."""
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$id"), str):
        base = urljoin(base, node["$id"])
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$ref", "$dynamicRef") and isinstance(value, str):
            out[key] = urljoin(base, value)
        elif key in ONE:
            out[key] = [_absolute(v, base) for v in value] if isinstance(value, list) else _absolute(value, base)
        elif key in MANY and isinstance(value, list):
            out[key] = [_absolute(v, base) for v in value]
        elif key in MAPS and isinstance(value, dict):
            out[key] = {k: _absolute(v, base) for k, v in value.items()}
        else:
            out[key] = value
    return out


class CompiledSchema:
    """A checked schema: the copy the library walks, reference lookup and the validator."""

    def __init__(self, source: Any) -> None:
        if isinstance(source, bool):
            source = {} if source else {"not": {}}
        if not isinstance(source, dict):
            raise SchemaError("El formulario debe ser un objeto JSON Schema (un diccionario).")
        cls, meta, self.dialect = _validator_class(source)
        _check_keywords(source)
        _check_meta(source, meta)
        found_id = source.get("$id")
        base: str = found_id if isinstance(found_id, str) else ""
        self.root: dict[str, Any] = _absolute(source, base)
        spec = referencing.jsonschema.specification_with(
            meta.META_SCHEMA.get("$schema", ""), default=referencing.jsonschema.DRAFT202012
        )
        self.registry = Registry().with_resource(base, spec.create_resource(self.root)).crawl()
        self._resolver = self.registry.resolver(base_uri=base)
        self._lookups: dict[str, Any] = {}
        self._check_refs()
        self.validator = cls(self.root, registry=self.registry, format_checker=FORMAT_CHECKER)
        # Work done once per subschema of ``root`` (see memo). Its subschemas live as long as
        # this object and are never modified, so their ids name them: no other object can
        # have one of these ids while this schema is alive.
        self._owned = frozenset(id(node) for node, _ in walk(self.root))
        self._memo: dict[tuple[str, int], Any] = {}

    def memo(self, kind: str, schema: Any, compute: Callable[[Any], T]) -> T:
        """``compute(schema)``, remembered per ``kind`` when ``schema`` is a subschema of this one.

        Anything else (a merged copy made while rendering, a dict from the caller) is computed
        every time: it may be a temporary whose id is reused, or a dict that changes. So
        ``compute`` must depend on nothing but ``schema``, and callers must not modify what it
        returns.
        """
        key = (kind, id(schema))
        if key[1] not in self._owned:
            return compute(schema)
        try:
            found: T = self._memo[key]
        except KeyError:
            found = self._memo[key] = compute(schema)
        return found

    def lookup(self, ref: str) -> Any:
        """The subschema an absolute ``$ref`` points at."""
        found = self._lookups.get(ref)
        if found is None:
            try:
                found = self._resolver.lookup(ref).contents
            except Unresolvable as e:
                raise SchemaError(f"No se encuentra la referencia «{ref}».") from e
            self._lookups[ref] = found
        return found

    def is_valid(self, schema: Any, instance: Any) -> bool:
        """Whether ``instance`` is valid against ``schema``, a subschema of this one."""
        return bool(self.validator.evolve(schema=schema).is_valid(instance))

    def _check_refs(self) -> None:
        for node, location in walk(self.root):
            for key in ("$ref", "$dynamicRef"):
                if isinstance(node.get(key), str):
                    try:
                        self.lookup(node[key])
                    except SchemaError as e:
                        raise SchemaError(f"{e.message} (en «{location or '/'}»)", location) from e


def _check_meta(schema: dict[str, Any], meta: Any) -> None:
    checker = meta(meta.META_SCHEMA, format_checker=meta.FORMAT_CHECKER)
    error = best_match(checker.iter_errors(schema))
    if error is not None:
        where = from_path(error.absolute_path) or "/"
        problem = describe(str(error.validator), error.validator_value, error.instance)
        raise SchemaError(f"El esquema no es válido en «{where}»: {problem} (detalle: {error.message})", where)


def _check_keywords(schema: dict[str, Any]) -> None:
    for node, location in walk(schema):
        check_classification(node, location)
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in KNOWN_FORMATS:
            known = ", ".join(sorted(KNOWN_FORMATS))
            raise SchemaError(f"Formato desconocido «{fmt}» en «{location or '/'}». Formatos admitidos: {known}.",
                              location)
        patterns = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        if isinstance(node.get("patternProperties"), dict):
            patterns += list(node["patternProperties"])
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as e:
                raise SchemaError(f"Expresión regular no válida «{pattern}» en «{location or '/'}»: {e}",
                                  location) from e


@lru_cache(maxsize=128)
def _compile_text(text: str) -> CompiledSchema:
    return CompiledSchema(json.loads(text))


def compile_schema(schema: Any) -> CompiledSchema:
    """The compiled form of ``schema`` (a dict, or an already compiled schema).

    :raises SchemaError: when the schema is not valid, names an unknown format, or has a
        reference that does not resolve.
    """
    if isinstance(schema, CompiledSchema):
        return schema
    try:
        text = json.dumps(schema, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise SchemaError("El esquema debe ser JSON (texto, números, listas y objetos).") from e
    return _compile_text(text)


def check_schema(schema: Any) -> None:
    """Raise :class:`SchemaError` with a message for the analyst when ``schema`` is unusable."""
    compile_schema(schema)
