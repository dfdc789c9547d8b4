"""Marshmallow in Spanish: the base schema and validators every schema of the API uses.

Marshmallow words its errors in English («Not a valid mapping type.») and the API answers them
to integrations run by the city's offices. :class:`Schema` replaces the English default of each
field it binds (nested lists and mappings too) and of its own schema-level errors; a message a
field or validator sets itself is left alone. Marshmallow's validators format their message when
built, so the API uses the subclasses here, which only change the wording; :class:`Schema`
refuses a field that carries one of marshmallow's own without a message of ours.

The API's messages are Spanish literals, like the rest of :mod:`engine.api`: it has no locale to
negotiate, and a lazy string would not be formatted by marshmallow (``{min}``, ``{choices}``).
"""

from __future__ import annotations

from typing import Any

import marshmallow
from marshmallow import fields, validate

#: Spanish for the default messages of marshmallow's fields, by the class that declares them.
FIELD_MESSAGES: dict[type[fields.Field], dict[str, str]] = {
    fields.Field: {"required": "Falta este dato obligatorio.",
                   "null": "Este dato no puede ser nulo.",
                   "validator_failed": "Valor inválido."},
    fields.Nested: {"type": "Se esperaba un objeto."},
    fields.List: {"invalid": "Se esperaba una lista."},
    fields.Tuple: {"invalid": "Se esperaba una lista de largo fijo."},
    fields.String: {"invalid": "Se esperaba un texto.", "invalid_utf8": "El texto no es UTF-8 válido."},
    fields.UUID: {"invalid_uuid": "Se esperaba un UUID."},
    fields.Number: {"invalid": "Se esperaba un número.", "too_large": "El número es demasiado grande."},
    fields.Integer: {"invalid": "Se esperaba un número entero."},
    fields.Float: {"special": "No se admiten valores especiales (NaN o infinito)."},
    fields.Decimal: {"special": "No se admiten valores especiales (NaN o infinito)."},
    fields.Boolean: {"invalid": "Se esperaba un valor lógico (true o false)."},
    fields.DateTime: {"invalid": "Se esperaba una fecha y hora ISO 8601 (2026-12-07T09:30:00-03:00).",
                      "invalid_awareness": "La fecha y hora no tiene la zona horaria esperada.",
                      "format": "«{input}» no se puede escribir como fecha y hora."},
    fields.NaiveDateTime: {"invalid_awareness": "La fecha y hora no debe indicar zona horaria."},
    fields.AwareDateTime: {"invalid_awareness": "La fecha y hora debe indicar su zona horaria (-03:00)."},
    fields.Date: {"invalid": "Se esperaba una fecha ISO 8601 (2026-12-07).",
                  "invalid_awareness": "La fecha no tiene la zona horaria esperada.",
                  "format": "«{input}» no se puede escribir como fecha."},
    fields.Time: {"invalid": "Se esperaba una hora ISO 8601 (09:30:00).",
                  "invalid_awareness": "La hora no tiene la zona horaria esperada.",
                  "format": "«{input}» no se puede escribir como hora."},
    fields.TimeDelta: {"invalid": "Se esperaba un período de tiempo.",
                       "format": "«{input}» no se puede escribir como período de tiempo."},
    fields.Mapping: {"invalid": "Se esperaba un objeto."},
    fields.Url: {"invalid": "Se esperaba una URL."},
    fields.Email: {"invalid": "Se esperaba una dirección de correo electrónico."},
    fields.IP: {"invalid_ip": "Se esperaba una dirección IP."},
    fields.IPv4: {"invalid_ip": "Se esperaba una dirección IPv4."},
    fields.IPv6: {"invalid_ip": "Se esperaba una dirección IPv6."},
    fields.IPInterface: {"invalid_ip_interface": "Se esperaba una interfaz IP."},
    fields.IPv4Interface: {"invalid_ip_interface": "Se esperaba una interfaz IPv4."},
    fields.IPv6Interface: {"invalid_ip_interface": "Se esperaba una interfaz IPv6."},
    fields.Enum: {"unknown": "Debe ser uno de estos valores: {choices}."},
}


class Length(validate.Length):
    message_min = "Debe tener al menos {min} caracteres o elementos."
    message_max = "Debe tener a lo sumo {max} caracteres o elementos."
    message_all = "Debe tener entre {min} y {max} caracteres o elementos."
    message_equal = "Debe tener exactamente {equal} caracteres o elementos."


class Range(validate.Range):
    message_min = "Debe ser {min_op} {{min}}."
    message_max = "Debe ser {max_op} {{max}}."
    message_all = "Debe ser {min_op} {{min}} y {max_op} {{max}}."
    message_gte = "mayor o igual que"
    message_gt = "mayor que"
    message_lte = "menor o igual que"
    message_lt = "menor que"


class OneOf(validate.OneOf):
    default_message = "Debe ser uno de estos valores: {choices}."


SPANISH_VALIDATORS = (Length, Range, OneOf)


def _english_defaults(field: fields.Field) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


def _spanish_defaults(field: fields.Field) -> dict[str, str]:
    spanish: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        spanish.update(FIELD_MESSAGES.get(cls, {}))
    return spanish


def _inner_fields(field: fields.Field) -> list[fields.Field]:
    """The fields a list, tuple or mapping field loads its items with (bound copies, by then)."""
    found = [getattr(field, "inner", None), getattr(field, "key_field", None), getattr(field, "value_field", None),
             *getattr(field, "tuple_fields", ())]
    return [inner for inner in found if isinstance(inner, fields.Field)]


def _check_validators(name: str, field: fields.Field) -> None:
    for validator in field.validators:
        english = (type(validator).__module__ == validate.__name__ and getattr(validator, "error", None) is None)
        if english:
            raise TypeError(f"field {name!r} uses marshmallow's {type(validator).__name__}, which answers in "
                            f"English: use engine.api.v1.wording's, or give it error=")


def speak_spanish(name: str, field: fields.Field) -> None:
    """Word a bound field's default messages, and its items', in Spanish.

    :param name: the field's name, for the error a wrong validator raises
    :param field: the field, bound to its schema
    :raises TypeError: the field uses a validator of marshmallow's that words its error in English
    """
    english = _english_defaults(field)
    worded: dict[str, str] = {}
    for key, message in _spanish_defaults(field).items():
        if key in english and field.error_messages.get(key) == english[key]:
            field.error_messages[key] = worded[english[key]] = message
    for validator in field.validators:  # Url and Email validate with a copy of their message
        if getattr(validator, "error", None) in worded:
            validator.error = worded[validator.error]  # type: ignore[attr-defined]
    _check_validators(name, field)
    for inner in _inner_fields(field):
        speak_spanish(name, inner)


class Schema(marshmallow.Schema):
    """The base of every schema of the API: marshmallow's messages in Spanish."""

    error_messages = {"type": "Se esperaba un objeto JSON.",
                      "unknown": "Este campo no se admite."}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        speak_spanish(field_name, field_obj)
