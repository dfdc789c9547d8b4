"""JSON Schemas of the GAF operations, as BPMN service tasks see them.

They mirror the request and response bodies of ``openapi.yaml`` (money is a string with two
decimals, ``"1500.00"``; dates are ``YYYY-MM-DD``); the sandbox validates what the connector
sends against that file, so a drift between the two fails the integration tests.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

MONEY: JSON = {"type": "string", "pattern": r"^(0|[1-9][0-9]{0,11})\.[0-9]{2}$",
               "description": "Pesos con dos decimales y punto decimal, por ejemplo \"1500.00\"."}
DATE: JSON = {"type": "string", "format": "date"}
CUIT: JSON = {"type": "string", "pattern": "^[0-9]{11}$"}
DNI: JSON = {"type": "string", "pattern": "^[0-9]{7,8}$"}
LIQUIDACION: JSON = {"type": "string", "pattern": "^L-[0-9]{4}-[0-9]{6}$"}
COMPROMISO: JSON = {"type": "string", "pattern": "^C-[0-9]{4}-[0-9]{6}$"}
PARTIDA: JSON = {"type": "string", "pattern": r"^[1-9](\.[0-9]{1,2}){2,3}$"}
REFERENCIA: JSON = {"type": "string", "minLength": 1, "maxLength": 64,
                    "description": "Número de expediente del caso."}
ESTADO: JSON = {"type": "string", "enum": ["pendiente", "pagada", "vencida", "anulada"]}
NAME: JSON = {"type": "string", "minLength": 1, "maxLength": 200}

CONTRIBUYENTE: JSON = {
    "type": "object",
    "required": ["nombre"],
    "properties": {"cuit": CUIT, "dni": DNI, "nombre": NAME},
    "oneOf": [{"required": ["cuit"]}, {"required": ["dni"]}],
    "additionalProperties": False,
}
PROVEEDOR: JSON = {
    "type": "object",
    "required": ["cuit"],
    "properties": {"cuit": CUIT, "nombre": NAME},
    "additionalProperties": False,
}


def _object(required: list[str], properties: JSON) -> JSON:
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


LIQUIDAR_PARAMS = _object(
    ["concepto", "contribuyente", "importe", "referencia"],
    {"concepto": {"type": "string", "minLength": 1, "maxLength": 200}, "contribuyente": CONTRIBUYENTE,
     "importe": MONEY, "referencia": REFERENCIA, "vencimiento": DATE},
)
LIQUIDAR_RESULT = _object(
    ["numero", "importe", "vencimiento", "codigo_pago", "estado", "url_boleta"],
    {"numero": LIQUIDACION, "importe": MONEY, "vencimiento": DATE,
     "codigo_pago": {"type": "string", "pattern": "^[0-9]{20}$"}, "estado": ESTADO,
     "url_boleta": {"type": "string", "format": "uri"}},
)
CONSULTAR_PARAMS = _object(["liquidacion"], {"liquidacion": LIQUIDACION})
CONSULTAR_RESULT = _object(
    ["numero", "estado", "pagada", "importe", "vencimiento", "fecha_pago"],
    {"numero": LIQUIDACION, "estado": ESTADO, "pagada": {"type": "boolean"}, "importe": MONEY,
     "vencimiento": DATE, "fecha_pago": {"type": ["string", "null"], "format": "date-time"}},
)
PRESUPUESTO_PARAMS = _object(["partida", "importe"], {"partida": PARTIDA, "importe": MONEY})
PRESUPUESTO_RESULT = _object(
    ["partida", "importe", "disponible", "saldo"],
    {"partida": PARTIDA, "importe": MONEY, "disponible": {"type": "boolean"}, "saldo": MONEY},
)
COMPROMISO_PARAMS = _object(
    ["partida", "importe", "referencia"],
    {"partida": PARTIDA, "importe": MONEY, "referencia": REFERENCIA, "proveedor": PROVEEDOR},
)
COMPROMISO_RESULT = _object(
    ["numero", "estado", "partida", "importe", "saldo_partida"],
    {"numero": COMPROMISO, "estado": {"type": "string", "enum": ["registrado", "anulado"]},
     "partida": PARTIDA, "importe": MONEY, "saldo_partida": MONEY},
)
FACTURA_PARAMS = _object(
    ["compromiso", "proveedor", "numero", "importe", "fecha"],
    {"compromiso": COMPROMISO, "proveedor": PROVEEDOR,
     "numero": {"type": "string", "pattern": "^[0-9]{4,5}-[0-9]{8}$"}, "importe": MONEY, "fecha": DATE},
)
FACTURA_RESULT = _object(
    ["numero_registro", "estado"],
    {"numero_registro": {"type": "string", "pattern": "^F-[0-9]{4}-[0-9]{6}$"},
     "estado": {"type": "string", "enum": ["registrada", "rechazada"]}},
)

#: What the connector needs of a webhook event; unknown event kinds are acknowledged and ignored.
EVENT: JSON = {
    "type": "object",
    "required": ["id", "evento", "liquidacion"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 128},
        "evento": {"type": "string"},
        "fecha": {"type": "string"},
        "liquidacion": {
            "type": "object",
            "required": ["numero", "estado", "importe"],
            "properties": {"numero": LIQUIDACION, "estado": ESTADO, "importe": MONEY},
        },
    },
}
