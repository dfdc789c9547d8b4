"""How the platform's log lines look: one JSON object a line in production, plain text in ``make run``.

The standard library's ``logging`` with a small formatter, not a JSON-logging package: what a
line may carry is a short list of named fields (:data:`FIELDS`), and anything else a caller
passes in ``extra`` is left out. A package such as python-json-logger copies every extra
attribute into the line, which is the opposite of what personal data needs (Ley 25.326): a
name, a CUIT or a form's values must never reach a log a whole IT team reads. The request id
travels in a context variable, so a step logged deep in the engine carries the id of the
request that caused it without the engine knowing about requests.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

#: The fields a line may carry besides time, level, logger and message, in the order they appear.
FIELDS = ("request_id", "case", "procedure", "trigger", "outcome", "method", "route", "status", "duration_ms")
FORMATS = ("json", "text")
#: An incoming ``X-Request-Id`` is kept when it is this sane (a proxy's UUID or similar); else a new one.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
#: The handler this module installs, to replace it when the configuration runs again.
_HANDLER_NAME = "tramites"
#: Libraries that log every detail at INFO: a line per task state change (SpiffWorkflow), per PDF
#: rendering stage (WeasyPrint), per request with its query string (Werkzeug).
_NOISY = ("werkzeug", "spiff", "weasyprint", "fontTools")

#: What a message may carry of a person despite its author (an SMTP server's refusal names the
#: recipient, a library echoes a value): masked in every line, whatever the logger.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_CUIT = re.compile(r"\b\d{2}-?\d{8}-?\d\b")

request_id: ContextVar[str | None] = ContextVar("tramites_request_id", default=None)
#: The case the current request's first step moved: the request's line names it (a start's new number).
request_case: ContextVar[str | None] = ContextVar("tramites_request_case", default=None)


def accepted_request_id(incoming: str | None) -> str:
    """The request's id: the caller's when it looks like an id, else a new random one."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class _RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request it was logged in (``None`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def scrub(text: str) -> str:
    """``text`` with e-mail addresses and CUIT/CUIL numbers masked."""
    return _CUIT.sub("[cuit]", _EMAIL.sub("[correo]", text))


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and the
    :data:`FIELDS` the record has; an exception adds its type and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            **_fields(record),
        }
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["traceback"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A line a person reads in a terminal: time, level, logger, message, then ``key=value`` fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = scrub(super().format(record))
        extra = " ".join(f"{name}={value}" for name, value in _fields(record).items())
        return f"{text} [{extra}]" if extra else text


def gunicorn_logconfig(fmt: str) -> dict[str, Any]:
    """gunicorn's own loggers (its master's and workers' lines) in ``fmt``, for its ``logconfig_dict``.

    The root logger is left to :func:`configure`, which each worker runs when it builds the app;
    gunicorn's access log stays off: the platform's request line replaces it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}")
    formatter = f"{__name__}.{'JsonFormatter' if fmt == 'json' else 'TextFormatter'}"
    handler = {"class": "logging.StreamHandler", "formatter": "tramites", "stream": "ext://sys.stderr"}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"tramites": {"()": formatter}},
            "handlers": {"tramites": handler},
            "root": {"level": "INFO", "handlers": []},  # gunicorn's default names its own handler
            "loggers": {name: {"handlers": ["tramites"], "level": "INFO", "propagate": False}
                        for name in ("gunicorn.error", "gunicorn.access")}}


def configure(fmt: str, level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every log line of the process to ``stream`` (standard error) in ``fmt`` (``json`` or ``text``).

    Called by what runs a server (``wsgi.app`` for gunicorn, ``tramites serve``, ``tramites
    worker``), never at import time nor by ``create_app``, so tests keep pytest's handlers.
    Running it again replaces the handler it installed before. Werkzeug's own request lines
    (with query strings, which may hold a search for a person's name) give way to the
    platform's (``engine/web/request_log.py``).

    :return: the installed handler.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
