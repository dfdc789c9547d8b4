"""Documents in a local folder: the embedded default.

Layout: ``<root>/objects/ab/cdef…`` (the key split after two characters to keep folders
small); writes go to ``<root>/tmp`` first and are renamed into place, which is atomic on
one file system.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from storage.base import (
    CHUNK_SIZE,
    KEY_PATTERN,
    NotFound,
    ObjectInfo,
    Readable,
    Storage,
    StorageError,
    check_expiry,
    check_key,
)
from storage.streams import HashingReader


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

    def put(self, stream: Readable) -> str:
        self._ensure_folders()
        reader = HashingReader(stream)
        try:
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="upload-")
        except OSError as e:
            raise StorageError(f"cannot write in the document folder {self.root}: {e}") from e
        try:
            with os.fdopen(fd, "wb") as out:
                # The stream's own errors (client gone, upload refused) propagate as they are;
                # only the disk's errors become StorageError.
                while chunk := reader.read(CHUNK_SIZE):
                    _write(out, chunk)
                _flush(out)
            key = reader.hexdigest()
            self._commit(tmp_name, self._path(key))
            return key
        except BaseException:
            # Whatever interrupted the write (client gone, disk full), leave nothing behind.
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def _commit(self, tmp_name: str, target: Path) -> None:
        """Move the finished temporary file to its final name, or drop it if already stored.

        Already stored content gets its modification time refreshed instead, so that a sweep
        of unreferenced objects sees it as just stored (``ObjectInfo.created``).
        """
        try:
            target.parent.mkdir(exist_ok=True)
            if _touch(target):
                os.unlink(tmp_name)  # deduplicated: the same bytes are already stored
                return
            os.replace(tmp_name, target)  # atomic on one file system: never half visible
            _fsync_folder(target.parent)
        except OSError as e:
            raise StorageError(f"cannot store the document in {self.root}: {e}") from e

    def get(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return open(path, "rb")  # the caller closes the stream
        except FileNotFoundError as e:
            raise NotFound(key) from e
        except OSError as e:
            raise StorageError(f"cannot read the document {key}: {e}") from e

    def stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        try:
            info = path.stat()
        except FileNotFoundError as e:
            raise NotFound(key) from e
        except OSError as e:
            raise StorageError(f"cannot read the document {key}: {e}") from e
        return ObjectInfo(key=key, size=info.st_size, sha256=key,
                          created=datetime.fromtimestamp(info.st_mtime, UTC))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise StorageError(f"cannot delete the document {key}: {e}") from e

    def iter_objects(self) -> Iterator[ObjectInfo]:
        if not self._objects.is_dir():
            return
        try:
            with os.scandir(self._objects) as folders:
                prefixes = sorted(f.name for f in folders if f.is_dir() and len(f.name) == 2)
            for prefix in prefixes:
                yield from self._objects_under(prefix)
        except OSError as e:
            raise StorageError(f"cannot list the document folder {self.root}: {e}") from e

    def _objects_under(self, prefix: str) -> Iterator[ObjectInfo]:
        try:
            entries = list(os.scandir(self._objects / prefix))
        except FileNotFoundError:
            return
        for entry in entries:
            key = prefix + entry.name
            if not KEY_PATTERN.match(key):
                continue
            try:
                info = entry.stat()
            except FileNotFoundError:
                continue  # deleted while listing
            yield ObjectInfo(key=key, size=info.st_size, sha256=key, created=datetime.fromtimestamp(info.st_mtime, UTC))

    def url(
        self,
        key: str,
        expires_seconds: int = 300,
        *,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> str | None:
        check_key(key)
        check_expiry(expires_seconds)
        return None  # a folder has no URL: the application streams the file itself

    def check(self) -> None:
        self._ensure_folders()
        try:
            with tempfile.NamedTemporaryFile(dir=self._tmp, prefix="check-"):
                pass
        except OSError as e:
            raise StorageError(f"the document folder {self.root} is not writable: {e}") from e


def _touch(path: Path) -> bool:
    """Set the file's modification time to now; ``False`` when there is no such file."""
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False


def _write(out: BinaryIO, chunk: bytes) -> None:
    try:
        out.write(chunk)
    except OSError as e:
        raise StorageError(f"cannot write the document: {e}") from e


def _flush(out: BinaryIO) -> None:
    try:
        out.flush()
        os.fsync(out.fileno())
    except OSError as e:
        raise StorageError(f"cannot write the document: {e}") from e


def _fsync_folder(folder: Path) -> None:
    """Persist the rename itself, so that a power cut does not lose a stored document."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
