"""The expediente: documents numbered in order (also under concurrency), certificates registered and revoked."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from engine.casefile import expediente
from engine.errors import Conflict, NotFound
from engine.uow import unit_of_work
from tests.fixtures.engine import ApiClient


def _case(api: ApiClient) -> str:
    assert api.deploy("simple").status_code == 201
    started: dict[str, Any] = api.start("tramite_simple", {"solicitante": "Ana"}).get_json()
    return str(started["id"])


def _new(n: int) -> expediente.NewDocument:
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    return expediente.NewDocument(kind="uploaded", title=f"Documento {n}", filename=f"doc{n}.pdf",
                                  content_type="application/pdf", size=100 + n, sha256=digest, storage_key=digest)


def _result(code: str = "K7QF-2M4X-ZP3D-R6WA") -> dict[str, Any]:
    digest = hashlib.sha256(code.encode()).hexdigest()
    return {"clave": digest, "sha256": digest, "codigo": code, "url_verificacion": f"http://x/verificar/{code}",
            "titulo": "Certificado de habilitación", "fecha_emision": "2026-12-01T14:00:00+00:00", "bytes": 2048,
            "numero_expediente": "EX-2026-000001-SMT-TST"}


def test_documents_get_consecutive_folios_even_when_added_at_once(app: Flask, api: ApiClient) -> None:
    case_id = _case(api)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def add(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                with unit_of_work():
                    expediente.add_document(case_id, _new(n), "ciudadana")
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with app.app_context():
        found = expediente.documents(case_id)
        assert [d.folio for d in found] == [1, 2, 3, 4, 5, 6]
        assert sorted(d.title for d in found) == [f"Documento {n}" for n in range(6)]
    events = api.get(f"/api/v1/instances/{case_id}/events?per_page=200").get_json()["items"]
    assert sum(e["type"] == "document_added" for e in events) == 6


def test_a_document_of_another_case_is_not_found(app: Flask, api: ApiClient) -> None:
    first, second = _case(api), api.start("tramite_simple", {"solicitante": "Bea"}).get_json()["id"]
    with app.app_context():
        with unit_of_work():
            document = expediente.add_document(first, _new(1), "ciudadana")
        assert expediente.document(first, document.id).folio == 1
        with pytest.raises(NotFound):
            expediente.document(second, document.id)
        with pytest.raises(NotFound), unit_of_work():
            expediente.add_document("no-existe", _new(2), "ciudadana")


def test_an_issued_certificate_is_registered_filed_and_can_be_revoked(app: Flask, api: ApiClient) -> None:
    case_id = _case(api)
    result = _result()
    assert expediente.is_certificate(result) and not expediente.is_certificate({"codigo": "x"})
    with app.app_context():
        with unit_of_work():
            certificate = expediente.register_certificate(case_id, result, "sistema")
        assert certificate.case_number == "EX-2026-000001-SMT-TST"
        [signed] = expediente.documents(case_id)
        assert (signed.kind, signed.folio, signed.sha256) == ("signed", 1, result["sha256"])
        assert expediente.certificate_with_hash(result["sha256"]).code == result["codigo"]  # type: ignore[union-attr]
        with pytest.raises(Conflict), unit_of_work():
            expediente.register_certificate(case_id, result, "sistema")
        with unit_of_work():
            expediente.revoke(result["codigo"], "Error en los datos", "admin", datetime.now(UTC))
        revoked = expediente.certificate(result["codigo"])
        assert revoked is not None and revoked.revoked_reason == "Error en los datos"
        with pytest.raises(Conflict), unit_of_work():
            expediente.revoke(result["codigo"], "otra vez", "admin", datetime.now(UTC))


def test_a_certificate_issued_outside_a_case_is_registered_without_a_file(app: Flask) -> None:
    with app.app_context():
        with unit_of_work():
            certificate = expediente.register_certificate(None, _result("AAAA-BBBB-CCCC-DDDD"), "cli")
        assert certificate.instance_id is None and certificate.document_id is None


def test_the_verification_page_writes_dates_as_people_read_them(app: Flask) -> None:
    """«Emitido 01/12/2026», not «2026-12-01»; the revocation in the city's zone (UTC-3)."""
    code = "EEEE-FFFF-GGGG-HHHH"
    with app.app_context():
        with unit_of_work():
            expediente.register_certificate(None, _result(code), "cli")
        with unit_of_work():
            expediente.revoke(code, "Error en los datos", "admin", datetime(2026, 12, 6, 2, 0, tzinfo=UTC))
    page = app.test_client().get(f"/verificar/{code}").get_data(as_text=True)
    assert ">01/12/2026</time>" in page and "<dd>05/12/2026: Error en los datos</dd>" in page
    assert "2026-12-01" not in page.replace('datetime="2026-12-01', "")
    answer = app.test_client().get(f"/verificar/{code}", headers={"Accept": "application/json"}).get_json()
    assert answer["certificate"]["issued_at"].startswith("2026-12-01T11:00:00")  # machines keep ISO 8601
