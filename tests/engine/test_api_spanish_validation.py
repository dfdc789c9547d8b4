"""The API words every refusal of a body or a query in Spanish, pointing at the field (engine/api/v1/wording.py)."""

from __future__ import annotations

import enum
import re
from typing import Any

import pytest
from marshmallow import Schema, fields, validate

from engine.api.v1 import schemas, wording
from tests.fixtures.engine import ApiClient

#: Words of marshmallow's English messages («Not a valid mapping type.», «Unknown field.», …).
ENGLISH = re.compile(r"\b(not|valid|invalid|field|must|missing|may|unknown|type|length|shorter|longer|"
                     r"greater|less|equal|than|one of|number|string|mapping|list)\b", re.IGNORECASE)

#: Where marshmallow's validators keep what they answer (Length and Range build theirs when built).
WORDED = ("error", "message_min", "message_max", "message_all", "message_equal")

START = "/api/v1/processes/tramite_simple/instances"
LONG = "x" * 201

#: (method, path, query string or JSON body, the pointer the refusal names). ``{case}`` and
#: ``{task}`` are a started case of ``tramite_simple`` and its ready task.
BAD = {
    "data-number": ("post", START, {"data": 5}, "/data"),
    "data-list": ("post", START, {"data": []}, "/data"),
    "body-number": ("post", START, 5, ""),
    "body-list": ("post", START, [], ""),
    "body-text": ("post", START, "texto", ""),
    "unknown-field": ("post", START, {"data": {}, "expediente": "1"}, "/expediente"),
    "text-too-long": ("post", START, {"business_key": LONG}, "/business_key"),
    "text-wrong-type": ("post", START, {"business_key": 7}, "/business_key"),
    "complete-data-number": ("post", "/api/v1/tasks/{task}/complete", {"data": 5}, "/data"),
    "complete-data-list": ("post", "/api/v1/tasks/{task}/complete", {"data": [1, 2]}, "/data"),
    "required-missing": ("post", "/api/v1/tasks/{task}/assign", {}, "/assignee"),
    "null": ("post", "/api/v1/tasks/{task}/assign", {"assignee": None}, "/assignee"),
    "too-short": ("post", "/api/v1/tasks/{task}/assign", {"assignee": ""}, "/assignee"),
    "integer-wrong-type": ("post", "/api/v1/instances/{case}:migrate", {"version": "uno"}, "/version"),
    "integer-out-of-range": ("post", "/api/v1/instances/{case}:migrate", {"version": 0}, "/version"),
    "reason-too-long": ("post", "/api/v1/instances/{case}:terminate", {"reason": "x" * 1001}, "/reason"),
    "message-correlation-list": ("post", "/api/v1/messages/pago", {"correlation": ["a"]}, "/correlation"),
    "choice": ("get", "/api/v1/tasks", "status=pendiente", "/status"),
    "choice-of-instances": ("get", "/api/v1/instances", "status=viva", "/status"),
    "integer-in-query": ("get", "/api/v1/tasks", "per_page=veinte", "/per_page"),
    "boolean": ("get", "/api/v1/tasks", "test_cases=quizas", "/test_cases"),
    "date": ("get", "/api/v1/tasks", "due_before=ayer", "/due_before"),
    "date-without-zone": ("get", "/api/v1/instances", "created_after=2026-12-01T00:00", "/created_after"),
}


@pytest.fixture
def started(api: ApiClient) -> dict[str, str]:
    assert api.deploy("simple").status_code == 201
    response = api.start("tramite_simple", {"solicitante": "María"})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()["id"]
    return {"case": case, "task": api.ready_task(case, "revisar")["id"]}


@pytest.mark.parametrize(("method", "path", "payload", "pointer"), list(BAD.values()), ids=list(BAD))
def test_a_bad_body_or_query_is_refused_in_spanish_at_its_field(api: ApiClient, started: dict[str, str], method: str,
                                                                 path: str, payload: Any, pointer: str) -> None:
    url = path.format(**started)
    if method == "get":
        response = api.get(f"{url}?{payload}")
    else:
        response = api.post(url, json=payload)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert [e["pointer"] for e in problem["errors"]] == [pointer]
    for text in [problem["title"], problem["detail"], *(e["message"] for e in problem["errors"])]:
        assert not ENGLISH.search(text), text
    assert api.ready_task(started["case"], "revisar")["id"] == started["task"]


def _messages(field: fields.Field) -> list[str]:
    inner = [*(getattr(field, name, None) for name in ("inner", "key_field", "value_field")),
             *getattr(field, "tuple_fields", ())]
    found = [str(m) for m in field.error_messages.values()]
    found += [getattr(v, name) for v in field.validators for name in WORDED
              if isinstance(getattr(v, name, None), str)]
    for each in inner:
        if isinstance(each, fields.Field):
            found += _messages(each)
    return found


def _all_schemas(base: type[Schema]) -> list[type[Schema]]:
    return [s for sub in base.__subclasses__() for s in (sub, *_all_schemas(sub))]


@pytest.mark.parametrize("schema", [s for s in _all_schemas(wording.Schema) if s.__module__.startswith("engine.")],
                         ids=lambda s: s.__name__)
def test_every_message_a_schema_of_the_api_can_give_is_spanish(schema: type[Schema]) -> None:
    built = schema()
    texts = [str(m) for m in built.error_messages.values()]
    for field in built.fields.values():
        texts += _messages(field)
    english = [t for t in texts if ENGLISH.search(re.sub(r"\{\w*\}", "", t))]  # not the {placeholders}
    assert texts and not english


def test_every_schema_of_the_api_words_in_spanish() -> None:
    plain = [name for name, obj in vars(schemas).items()
             if isinstance(obj, type) and issubclass(obj, Schema) and not issubclass(obj, wording.Schema)]
    assert plain == []


def test_a_validator_of_marshmallow_without_a_message_of_ours_is_refused_when_the_schema_is_built() -> None:
    class Worded(wording.Schema):
        name = fields.String(validate=validate.Length(max=3))

    with pytest.raises(TypeError, match="English"):
        Worded()


def test_a_message_a_field_sets_itself_is_kept() -> None:
    class Own(wording.Schema):
        age = fields.Integer(error_messages={"invalid": "La edad va en años."})

    assert Own().validate({"age": "x"}) == {"age": ["La edad va en años."]}


class _Color(enum.Enum):
    ROJO = "rojo"


#: Every field of marshmallow with messages of its own, as a schema of the API would declare it.
EVERY_FIELD = [fields.Raw(), fields.Nested(wording.Schema), fields.List(fields.String()),
               fields.Tuple((fields.Integer(), fields.Url())), fields.UUID(), fields.Float(), fields.Decimal(),
               fields.Boolean(), fields.NaiveDateTime(), fields.AwareDateTime(), fields.Date(), fields.Time(),
               fields.TimeDelta(), fields.Dict(keys=fields.Email(), values=fields.IP()), fields.IPv4(), fields.IPv6(),
               fields.IPInterface(), fields.IPv4Interface(), fields.IPv6Interface(), fields.Enum(_Color)]


@pytest.mark.parametrize("field", EVERY_FIELD, ids=lambda f: type(f).__name__)
def test_every_field_of_marshmallow_is_worded_in_spanish(field: fields.Field) -> None:
    built = wording.Schema.from_dict({"campo": field})()
    english = [t for t in _messages(built.fields["campo"]) if ENGLISH.search(re.sub(r"\{\w*\}", "", t))]
    assert english == []
