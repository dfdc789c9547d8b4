"""A backup taken while the platform works is one consistent state: what its manifest counted,
nothing more, nothing less, and every document its cases name."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from engine.casefile import expediente
from engine.casefile.expediente import NewDocument
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work
from tests.backup.population import PDF, cli_backup, cli_restore
from tests.fixtures.engine import ApiClient, make_token


class _Busy:
    """Starts cases, each with a document of its own, until told to stop."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.api = ApiClient(app, make_token(app, "carga", "admin"))
        assert self.api.deploy("simple").status_code == 201
        self.started: list[str] = []
        self.errors: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="carga")

    def __enter__(self) -> _Busy:
        self._thread.start()
        deadline = time.monotonic() + 60
        while len(self.started) < 3 and time.monotonic() < deadline and not self.errors:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def _run(self) -> None:
        while not self._stop.is_set():
            response = self.api.start("tramite_simple", {"solicitante": f"Vecina {len(self.started)}"})
            if response.status_code != 201:
                self.errors.append(response.get_json())
                return
            case = response.get_json()["id"]
            self._file(case, PDF + str(len(self.started)).encode())
            self.started.append(case)

    def _file(self, case: str, content: bytes) -> None:
        with self.app.app_context():
            key = self.app.extensions[EXTENSION_KEY].documents.store.put(io.BytesIO(content))
            with unit_of_work():
                expediente.add_document(case, NewDocument(
                    kind="uploaded", title="Nota", filename="nota.pdf", content_type="application/pdf",
                    size=len(content), sha256=key, storage_key=key), "vecina")


def test_a_backup_taken_while_cases_start_restores_exactly_what_it_counted(
        make_app: Callable[..., Flask], fresh_app: Callable[..., Flask], source_settings: dict[str, Any],
        tmp_path: Path) -> None:
    source = make_app(**source_settings)
    with _Busy(source) as busy:
        assert len(busy.started) >= 3, busy.errors
        folder = cli_backup(source, tmp_path / "copias")
    assert busy.errors == []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    counted = manifest["rows_by_table"]["instances"]
    assert 3 <= counted <= len(busy.started)
    # each case gets its document in a second transaction: the snapshot may fall between the two of one case
    assert counted - 1 <= manifest["rows_by_table"]["documents"] <= counted
    restored = cli_restore(fresh_app(), folder)
    assert restored.exit_code == 0, restored.output
    assert f"expedientes ({counted} running)" in restored.output
    assert "Restauración completa y verificada." in restored.output
