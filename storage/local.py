"""Documents in a local folder: the embedded default.

Layout: ``<root>/objects/ab/cdef…`` (the key split after two characters to keep folders
small); writes go to ``<root>/tmp`` first and are renamed into place, which is atomic on
one file system.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from storage.base import CHUNK_SIZE, NotFound, ObjectInfo, Storage, StorageError, check_key


class LocalStorage(Storage):
    """Content-addressed objects under one folder."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self._objects = self.root / "objects"
        self._tmp = self.root / "tmp"

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        key = check_key(key)
        return self._objects / key[:2] / key[2:]

    def _ensure_folders(self) -> None:
        try:
            self._objects.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(f"cannot create the document folder {self.root}: {e}") from e

    def put(self, stream: BinaryIO) -> str:
        self._ensure_folders()
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            target = self._path(key)
            target.parent.mkdir(exist_ok=True)
            if target.exists():
                os.unlink(tmp_name)  # deduplicated: the same bytes are already stored
            else:
                os.replace(tmp_name, target)
            return key
        except BaseException:
            # Whatever interrupted the write (client gone, disk full), leave nothing behind.
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def get(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")  # the caller closes the stream
        except FileNotFoundError as e:
            raise NotFound(key) from e

    def stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        try:
            info = path.stat()
        except FileNotFoundError as e:
            raise NotFound(key) from e
        return ObjectInfo(key=key, size=info.st_size, sha256=key,
                          created=datetime.fromtimestamp(info.st_mtime, UTC))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def url(self, key: str, expires_seconds: int = 300) -> str | None:
        return None

    def check(self) -> None:
        self._ensure_folders()
        try:
            with tempfile.NamedTemporaryFile(dir=self._tmp, prefix="check-"):
                pass
        except OSError as e:
            raise StorageError(f"the document folder {self.root} is not writable: {e}") from e
