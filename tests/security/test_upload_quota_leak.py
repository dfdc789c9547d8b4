"""Issue #16, hole 6 (medium): the upload quota leaked and stored objects were never deleted.

A self-registered citizen uploaded 4 × 24 MB, saved a draft, discarded it, and again: storage
grew 0 → 96 → 192 MB in 4 s. Discarding forgot the uploads' rows, so the per-case limit
started over, and nothing ever deleted an object. Now what a person holds outside cases
(every upload not handed in, drafts' and discarded ones included until they are swept) is
bounded by ``MAX_PERSON_PENDING_MB``, refused with a Spanish 413; and a sweep of the store
deletes what no document, certificate or pending upload references, sparing what is stored
(again) while it runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.background.runner import BackgroundRunner
from engine.casefile import drafts, expediente
from engine.casefile.models import PendingUpload
from engine.db import db
from engine.identity.accounts import User, ensure_user
from engine.models import AuditCheckpoint, Certificate, Document
from engine.runtime import EXTENSION_KEY, Runtime
from engine.uow import unit_of_work
from tests.fixtures.identity import Web, password_of
from tests.portal.helpers import KEY, PDF, deploy, post_start, start_case, upload

MB = 1024 * 1024
CITIZEN = "vecina"


def _pdf(size: int, tag: str) -> bytes:
    """A PDF the sniffer accepts, ``size`` bytes long, unique per ``tag``."""
    head = PDF + f"% {tag}\n".encode()
    return head + b"0" * (size - len(head))


def _runtime(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions[EXTENSION_KEY]
    return runtime


def _citizen(app: Flask) -> Web:
    deploy(app)
    with app.app_context(), unit_of_work():
        ensure_user(CITIZEN, display_name="Vecina", password=password_of(CITIZEN), email="vecina@example.com",
                    roles=("citizen",))
    web = Web(app.test_client())
    web.sign_in(CITIZEN, password_of(CITIZEN))
    return web


def _stored(app: Flask) -> dict[str, int]:
    """The objects the store holds, with their sizes (asked of the store itself)."""
    return {item.key: item.size for item in _runtime(app).documents.store.iter_objects()}


def _local_objects(app: Flask) -> dict[str, int]:
    """The objects in the local store's folder, with their sizes (looked at from outside)."""
    root = Path(_runtime(app).documents.store.root)  # type: ignore[attr-defined]
    return {path.parent.name + path.name: path.stat().st_size for path in (root / "objects").glob("*/*")}


def _age_local_objects(app: Flask, hours: float = 2) -> None:
    """Make every object of the local store look stored ``hours`` ago (past the sweep's grace)."""
    root = Path(_runtime(app).documents.store.root)  # type: ignore[attr-defined]
    past = time.time() - hours * 3600
    for path in (root / "objects").glob("*/*"):
        os.utime(path, (past, past))


def _run_background(app: Flask) -> None:
    """One cycle of the background work; the first after a start sweeps the store."""
    BackgroundRunner(app.app_context, _runtime(app).engine_context).run_once()


def _save_and_discard(web: Web, refs: list[dict[str, Any]]) -> None:
    saved = post_start(web, {"$/nombre": "Vecina", "!f/constancia": json.dumps(refs[0])}, "guardar")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    gone = web.post_form("/borradores/descartar", {"tramite": KEY}, token_from="/borradores")
    assert gone.status_code == 302


@pytest.fixture
def citizen_app(secure_app: Callable[..., Flask]) -> Flask:
    return secure_app()


def test_uploading_saving_and_discarding_drafts_in_a_loop_is_bounded_and_swept(citizen_app: Flask) -> None:
    web = _citizen(citizen_app)
    sizes: list[int] = []
    refusals = []
    for round_ in range(3):
        refs = []
        for number in range(4):
            answer = upload(web, _pdf(24 * MB, f"ronda {round_} archivo {number}"), f"plano-{number}.pdf")
            if answer.status_code != 201:
                refusals.append(answer)
                break
            refs.append(answer.get_json()["referencia"])
        if refs:
            _save_and_discard(web, refs)
        sizes.append(sum(_local_objects(citizen_app).values()))

    # two rounds fit in the default 200 MB; the third is refused at its first file, in Spanish
    assert sizes == [96 * MB, 192 * MB, 192 * MB]
    assert [r.status_code for r in refusals] == [413]
    message = refusals[0].get_json()["error"]
    assert message.startswith("No queda espacio para sus archivos") and "200 MB" in message, message

    # an hour later the background work has deleted the discarded files and freed the quota
    _age_local_objects(citizen_app)
    _run_background(citizen_app)
    assert set(_local_objects(citizen_app)) <= _checkpoints(citizen_app)  # the audit trail's own, kept
    assert upload(web, _pdf(24 * MB, "de nuevo"), "plano.pdf").status_code == 201


def test_a_citizen_over_the_quota_is_refused_in_spanish_with_and_without_javascript(
        secure_app: Callable[..., Flask]) -> None:
    app = secure_app(MAX_UPLOAD_MB=1, MAX_PERSON_PENDING_MB=2)
    web = _citizen(app)
    with app.app_context(), unit_of_work():  # a correction uploaded for one of their cases counts too
        user_id = db.session.scalar(select(User.id).where(User.username == CITIZEN))
        assert user_id is not None
        drafts.record_upload(user_id, drafts.case_scope("caso-1"), key="c" * 64, name="c.pdf",
                             content_type="application/pdf", size=900 * 1024)
    assert upload(web, _pdf(900 * 1024, "uno")).status_code == 201

    refused = upload(web, _pdf(900 * 1024, "dos"))
    assert refused.status_code == 413
    assert refused.get_json()["error"] == (
        "No queda espacio para sus archivos: lo que subió y todavía no presentó en un trámite (incluidos sus "
        "borradores) puede sumar hasta 2 MB y quedan 248 KB libres. Descarte los borradores que no necesite: "
        "el espacio de los archivos descartados se libera en unas horas.")
    # without JavaScript the message stands next to the field, the typed data kept (a file
    # under 500 KB: werkzeug's test client leaves larger request bodies' temporary files open)
    posted = post_start(web, {"$/nombre": "Vecina", "$/motivo": "Necesito el permiso",
                              "$/constancia": (io.BytesIO(_pdf(300 * 1024, "tres")), "tres.pdf")})
    page = posted.get_data(as_text=True)
    assert posted.status_code == 422 and "No queda espacio para sus archivos" in page and 'value="Vecina"' in page
    assert len(_local_objects(app)) == 1  # refused while streaming: nothing of them was stored


def test_parallel_uploads_cannot_pass_the_quota_together(citizen_app: Flask) -> None:
    """Each upload checked the room before streaming; the record of the upload checks it again."""
    from engine.errors import QuotaExceeded

    with citizen_app.app_context(), unit_of_work():
        user, _ = ensure_user(CITIZEN, display_name="Vecina", password=password_of(CITIZEN), roles=("citizen",))
        drafts.record_upload(user.id, drafts.start_scope(KEY), key="a" * 64, name="a.pdf",
                             content_type="application/pdf", size=3 * MB, max_held_bytes=4 * MB)
        user_id = user.id
    with citizen_app.app_context(), pytest.raises(QuotaExceeded) as caught, unit_of_work():
        drafts.record_upload(user_id, drafts.start_scope("otro"), key="b" * 64, name="b.pdf",
                             content_type="application/pdf", size=2 * MB, max_held_bytes=4 * MB)
    assert (caught.value.status, caught.value.limit, caught.value.held) == (413, 4 * MB, 3 * MB)
    with citizen_app.app_context():
        assert drafts.held_bytes(user_id) == 3 * MB


def test_what_a_case_a_draft_a_certificate_or_the_audit_trail_references_survives_the_sweep(citizen_app: Flask) -> None:
    web = _citizen(citizen_app)
    number = start_case(web)  # its constancia is a document of the case
    kept_by_draft = upload(web, _pdf(1000, "borrador")).get_json()["referencia"]
    assert post_start(web, {"$/nombre": "Vecina", "!f/constancia": json.dumps(kept_by_draft)},
                      "guardar").status_code == 302
    store = _runtime(citizen_app).documents.store
    certificate = store.put(io.BytesIO(_pdf(2000, "certificado")))
    garbage = store.put(io.BytesIO(_pdf(3000, "nadie lo usa")))
    with citizen_app.app_context(), unit_of_work():
        expediente.register_certificate(None, {
            "codigo": "ABCD2345EFGH", "titulo": "Certificado suelto", "sha256": certificate, "clave": certificate,
            "bytes": 2000, "fecha_emision": datetime.now(UTC).isoformat()}, "cli")
        in_case = db.session.scalar(select(Document.storage_key).where(Document.kind == "uploaded"))
        assert db.session.get(Certificate, "ABCD2345EFGH") is not None
    assert citizen_app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    [checkpoint] = _checkpoints(citizen_app)  # the audit trail's, which only its own table names
    _age_local_objects(citizen_app)

    swept = citizen_app.test_cli_runner().invoke(args=["documents", "sweep"])

    assert swept.exit_code == 0, swept.output
    assert "borrados: 1" in swept.output
    assert set(_local_objects(citizen_app)) == {in_case, kept_by_draft["key"], certificate, checkpoint}
    assert garbage not in _local_objects(citizen_app)
    assert web.client.get(f"/mis-tramites/{number}").status_code == 200


class _Interleaved:
    """The app's store, with something done after the sweep listed the objects, before it deletes."""

    def __init__(self, store: Any, meanwhile: Callable[[], None]) -> None:
        self._store = store
        self._meanwhile = meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def iter_objects(self) -> Iterator[Any]:
        listed = list(self._store.iter_objects())
        self._meanwhile()
        yield from listed


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_content_stored_again_while_the_sweep_runs_survives(
        backend: str, secure_app: Callable[..., Flask], request: pytest.FixtureRequest) -> None:
    from engine.casefile import sweep

    settings = {"STORAGE_URL": request.getfixturevalue("fresh_s3_url")} if backend == "s3" else {}
    app = secure_app(**settings)
    web = _citizen(app)
    runtime = _runtime(app)
    store = runtime.documents.store
    uploaded_again, being_uploaded, abandoned = (_pdf(5000 + n, f"archivo {n}") for n in range(3))
    keys = [store.put(io.BytesIO(content)) for content in (uploaded_again, being_uploaded, abandoned)]
    time.sleep(2.5)  # all three are now older than the grace of this sweep (S3 keeps whole seconds)

    def meanwhile() -> None:
        # another citizen's upload of the first file completes (its row is committed) ...
        done = threading.Thread(target=lambda: upload(web, uploaded_again))
        done.start()
        done.join(30)
        # ... and someone's upload of the second has stored its bytes, its row not written yet
        assert store.put(io.BytesIO(being_uploaded)) == keys[1]

    with app.app_context():
        report = sweep.sweep(_Interleaved(store, meanwhile), unit_of_work, datetime.now(UTC),
                             grace=timedelta(seconds=1))

    assert report.deleted == 1
    assert set(_stored(app)) == set(keys[:2])
    with app.app_context():
        assert db.session.scalar(select(PendingUpload.storage_key)) == keys[0]
    for key in keys[:2]:
        with store.get(key) as stream:
            assert hashlib.sha256(stream.read()).hexdigest() == key


def _checkpoints(app: Flask) -> set[str]:
    """The audit trail's signed checkpoints, which the background work also keeps in the store."""
    with app.app_context():
        return set(db.session.scalars(select(AuditCheckpoint.document)))
