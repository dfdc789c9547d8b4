"""A bundle's files as a ``.zip``, byte for byte the same for the same files.

The archive holds one folder (the process key) so that unzipping it gives the bundle's folder;
``engine.workflow.bundles.bundle_from_zip`` strips that folder when reading it back. Members
are sorted by name, dated 1980-01-01 and given the same permissions, so exporting the same
files twice gives the same bytes (and the same checksum to compare).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping

#: The earliest date a zip can hold: no clock reaches the archive.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--
_FOLDER = re.compile(r"[^A-Za-z0-9_.\-]+")


def folder_name(key: str) -> str:
    """A safe top folder for the archive of a process key."""
    return _FOLDER.sub("_", key).strip("._") or "tramite"


def zip_files(files: Mapping[str, bytes], folder: str) -> bytes:
    """The files (bundle-relative names) inside ``folder/`` of a deterministic zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            member = zipfile.ZipInfo(f"{folder_name(folder)}/{name}", date_time=_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = _FILE_MODE
            member.create_system = 3  # unix, whatever system exports it
            archive.writestr(member, files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()
