"""What every API view shares: the composed runtime, one transaction per request, paging, and
the blueprint whose JSON bodies are read safely."""

from __future__ import annotations

import json
from typing import Any

import flask
import flask_smorest
from sqlalchemy import Select, func, inspect
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from engine.db import db
from engine.web.request import runtime as runtime  # re-exported for the modules of this face
from engine.web.request import transaction as transaction
from engine.workflow.indexing import MAX_DATA_DEPTH, TOO_DEEP, too_deep

#: Any page past this one is empty anyway, and its offset must still fit the database's integers.
MAX_PAGE = 1_000_000


class SafeJsonParser(FlaskParser):
    """webargs' parser, answering a JSON body it cannot take as a problem instead of a 500.

    Malformed JSON is a 400; well-formed JSON the platform refuses is a 422: lists and objects
    nested deeper than the case data may be (Python would run out of stack working on them) and
    numbers of more digits than Python converts (``int`` stops at 4,300).
    """

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            body = json.loads(req.get_data(cache=True).decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            abort(400, exc=e, message="El cuerpo no es JSON válido.", messages={"json": ["JSON inválido."]})
        except RecursionError as e:
            abort(422, exc=e, message=TOO_DEEP, messages={"json": [TOO_DEEP]})
        except ValueError as e:  # a number past int's digit limit
            message = "El cuerpo tiene un número de demasiadas cifras."
            abort(422, exc=e, message=message, messages={"json": [message]})
        if too_deep(body, MAX_DATA_DEPTH + 1):  # the body itself is one level around the data
            abort(422, message=TOO_DEEP, messages={"json": [TOO_DEEP]})
        return body


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprint: :class:`SafeJsonParser` reads its arguments."""

    ARGUMENTS_PARSER = SafeJsonParser()


def max_case_bytes() -> int:
    """What a case's documents may add up to (``MAX_CASE_MB``), files sent over the API included."""
    return int(runtime().settings["MAX_CASE_MB"]) * 1024 * 1024


def paginate(query: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """A page of a plain filtered query (no DISTINCT, no GROUP BY) and the count of all its rows.

    The count keeps the query's FROM and WHERE only: counting a subquery of every column names
    large ones (a case's workflow) that a database may still read.
    """
    counting = query.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)
    total = db.session.scalar(counting) or 0
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return items, total


def page_body(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


class WithExtra:
    """A model object plus extra attributes, for answers that add to a model's fields.

    The response schema serializes it once (dumping the model first and again in the
    response would serialize datetimes twice).
    """

    def __init__(self, obj: Any, **extra: Any) -> None:
        self._obj = obj
        self._extra = extra

    def __getattr__(self, name: str) -> Any:
        if name in self._extra:
            return self._extra[name]
        return getattr(self._obj, name)


class Snapshot:
    """The column values of a model object (and of the named related objects) as they are now.

    The edge commits after the view returns and the commit expires every object of the
    session: rendering the object itself would read it back (a task with its instance). A
    snapshot taken inside the transaction, after the step flushed, renders what was written.
    """

    def __init__(self, obj: Any, *related: str) -> None:
        for attr in inspect(obj).mapper.column_attrs:
            setattr(self, attr.key, getattr(obj, attr.key))
        for name in related:
            setattr(self, name, Snapshot(getattr(obj, name)))
