"""Production's log lines: one JSON object each, with the request id, the case and the duration,
and nothing of the people the cases are about."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from engine.observability import logs
from tests.procedures.conftest import PNG_BYTES, Platform

KEY = "habilitacion_comercial"
#: What the applicant typed: none of it may reach a log line.
PERSONAL = {"titular": "Mariela Quispe Fernández", "cuit": "27301112224", "email": "mariela.quispe@example.com",
            "nombre_comercio": "Almacén La Quispe", "domicilio": "Avenida Mate de Luna 1234"}
GROUNDS = "Constatado por Rogelio Tomasini en el local"
#: The test's own SMTP server (aiosmtpd) runs in this process and logs what it receives; in
#: production the mail server is another machine with its own log.
NOT_THE_PLATFORM = ("mail.log",)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every log line of the process, as production writes them (JSON), into a buffer."""
    root = logging.getLogger()
    level, werkzeug = root.level, logging.getLogger("werkzeug").level
    buffer = io.StringIO()
    handler = logs.configure("json", "INFO", stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(werkzeug)


def _application(platform: Platform) -> dict[str, Any]:
    return {"tipo_persona": "humana", "rubro": "almacen", "superficie": 45, **PERSONAL,
            "dni_archivo": platform.upload("dni.pdf"), "titulo_archivo": platform.upload("contrato.pdf"),
            "plano_archivo": platform.upload("plano.png", PNG_BYTES)}


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    return [line for line in lines if line["logger"] not in NOT_THE_PLATFORM]


def test_a_start_and_completions_log_json_lines_without_personal_data(platform: Platform,
                                                                        json_lines: io.StringIO) -> None:
    platform.deploy(KEY)
    case = platform.start(KEY, _application(platform))
    case.complete("revisar_documentacion", {"documentacion_completa": True})
    platform.pay(case.data["boleta"]["numero"])
    case.complete("resolver", {"decision": "aprobar", "fundamentos": GROUNDS})
    # a search for a person by name over HTTP: the query string stays out of the line
    searched = requests.get(f"{platform.url}/seguimiento/?codigo={PERSONAL['titular']}", timeout=10)
    assert searched.status_code in (200, 404)

    lines = _lines(json_lines)  # every line is one JSON object
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    for value in [*PERSONAL.values(), GROUNDS, "27-30111222-4", "Quispe", "mariela"]:
        assert value not in text and json.dumps(value)[1:-1] not in text, value

    steps = [line for line in lines if line["logger"] == "tramites.step"]
    assert {line["case"] for line in steps} == {case.number}
    assert {line["trigger"] for line in steps} >= {"start", "task"}
    assert all(line["procedure"] == KEY and line["duration_ms"] >= 0 for line in steps)
    over_http = [line for line in lines if line["logger"] == "tramites.request"]
    assert [line["route"] for line in over_http if line["route"].startswith("/seguimiento")] == ["/seguimiento/"]
    assert all(line["request_id"] and line["duration_ms"] >= 0 and line["status"] for line in over_http)


def test_the_case_a_request_started_and_its_steps_share_the_request_id(platform: Platform,
                                                                         json_lines: io.StringIO) -> None:
    platform.deploy(KEY)
    sent = platform.api.start(KEY, _application(platform), headers={"X-Request-Id": "proxy-3f2a9c11"})
    assert sent.status_code == 201 and sent.headers["X-Request-Id"] == "proxy-3f2a9c11"
    number = sent.get_json()["number"]
    lines = [line for line in _lines(json_lines) if line.get("request_id") == "proxy-3f2a9c11"]
    request = [line for line in lines if line["logger"] == "tramites.request"]
    assert len(request) == 1 and request[0]["case"] == number and request[0]["status"] == 201
    assert request[0]["route"] == "/api/v1/processes/<key>/instances" and request[0]["method"] == "POST"
    assert [(line["trigger"], line["case"]) for line in lines if line["logger"] == "tramites.step"] == [
        ("start", number)]


@pytest.mark.parametrize("incoming", ["", "corto", "a" * 65, "id con espacios y más", "<script>alert(1)</script>"])
def test_an_insane_incoming_request_id_is_replaced(platform: Platform, incoming: str) -> None:
    answer = platform.api.get("/healthz", headers={"X-Request-Id": incoming})
    given = answer.headers["X-Request-Id"]
    assert given != incoming and len(given) == 32 and given.isalnum()


def test_the_text_format_is_one_readable_line_with_the_fields() -> None:
    record = logging.LogRecord("tramites.step", logging.INFO, __file__, 1, "step %s of %s", ("task", "EX-1"), None)
    record.case, record.duration_ms, record.request_id = "EX-1", 12.5, "abc12345"
    record.titular = "No Debería"  # an extra field nobody listed never shows, in either format
    text = logs.TextFormatter().format(record)
    assert text.endswith("INFO tramites.step: step task of EX-1 [request_id=abc12345 case=EX-1 duration_ms=12.5]")
    as_json = json.loads(logs.JsonFormatter().format(record))
    assert as_json["case"] == "EX-1" and "titular" not in as_json and "No Debería" not in json.dumps(as_json)


def test_the_log_format_follows_the_configuration(tmp_path: Path) -> None:
    """Text where a person reads (the embedded default), JSON on a production configuration."""
    from engine.settings import ConfigError, read_settings

    here = {"INSTANCE_PATH": str(tmp_path)}
    assert read_settings({}, here)["LOG_FORMAT"] == "text"
    assert read_settings({"TRAMITES_DATABASE_URL": "postgresql://db.example/tramites"}, here)["LOG_FORMAT"] == "json"
    assert read_settings({"TRAMITES_LOG_FORMAT": "TEXT"}, here)["LOG_FORMAT"] == "text"
    with pytest.raises(ConfigError, match="TRAMITES_LOG_FORMAT"):
        read_settings({"TRAMITES_LOG_FORMAT": "xml"}, here)


@pytest.mark.parametrize("formatter", [logs.JsonFormatter(), logs.TextFormatter()], ids=["json", "text"])
def test_an_address_or_a_cuit_in_a_message_is_masked(formatter: logging.Formatter) -> None:
    """Whoever wrote the message: an SMTP refusal names its recipient, a library may echo a value."""
    record = logging.LogRecord("tramites.outbox", logging.WARNING, __file__, 1, "refused %s, CUIT %s and %s",
                               ("{'mariela.quispe@example.com': (550, b'no')}", "27-30111222-4", "20301112223"), None)
    line = formatter.format(record)
    assert "mariela" not in line and "30111222" not in line and "0301112223" not in line
    assert "[correo]" in line and line.count("[cuit]") == 2
    kept = "EX-2026-000001-SMT-HAB, sha256 8d6972f2efc4e6e35060a12b22a574c5ef5282e2b45f0bfafbd3660acbf9530d"
    assert logs.scrub(kept) == kept  # case numbers and hashes are not a person's
