"""A bundle exported as a .zip: the same bytes every time, and read back with the same content hash."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from engine.studio import archive
from engine.workflow.bundles import bundle_from_path, bundle_from_zip

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


@pytest.mark.parametrize("folder", sorted(p.name for p in PROCESSES.iterdir() if p.is_dir()))
def test_every_bundle_round_trips_with_the_same_content_hash(folder: str) -> None:
    bundle = bundle_from_path(PROCESSES / folder)
    data = archive.zip_files(bundle.files, folder)
    assert bundle_from_zip(data).content_hash == bundle.content_hash
    assert archive.zip_files(dict(reversed(list(bundle.files.items()))), folder) == data  # order does not matter


def test_the_archive_holds_one_folder_with_fixed_dates_and_modes() -> None:
    data = archive.zip_files({"b.bpmn": b"<b/>", "permiso/template.html": b"<p>hola</p>", "a.dmn": b"<a/>"},
                             "permiso de poda/../x")
    members = zipfile.ZipFile(BytesIO(data)).infolist()
    assert [m.filename for m in members] == ["permiso_de_poda_.._x/a.dmn", "permiso_de_poda_.._x/b.bpmn",
                                             "permiso_de_poda_.._x/permiso/template.html"]
    assert {m.date_time for m in members} == {(1980, 1, 1, 0, 0, 0)}
    assert {m.external_attr >> 16 for m in members} == {0o100644}
    assert dict(bundle_from_zip(data).files)["permiso/template.html"] == b"<p>hola</p>"
