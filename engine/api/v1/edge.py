"""What every API view shares: the composed runtime, one transaction per request, paging."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, inspect, select

from engine.db import db
from engine.web.request import runtime as runtime  # re-exported for the modules of this face
from engine.web.request import transaction as transaction


def paginate(query: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
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
