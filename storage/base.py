"""The contract every document storage backend fulfils.

Objects are content-addressed: the key of an object is the SHA-256 of its bytes in
lowercase hex, so writing the same content twice stores it once. Backends stream: no
method reads a whole object into memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class StorageError(Exception):
    """The storage backend failed; the message is safe to show to staff."""

    status = 503
    public_message = "El almacenamiento de documentos no está disponible."


class NotFound(StorageError):
    """No object has that key."""

    status = 404
    public_message = "El documento no existe."


class InvalidKey(StorageError):
    """The key is not a SHA-256 hex digest (it could be a path traversal attempt)."""

    status = 400
    public_message = "La referencia del documento no es válida."


@dataclass(frozen=True)
class ObjectInfo:
    """What a backend knows about one stored object."""

    key: str
    size: int
    sha256: str
    created: datetime


def check_key(key: str) -> str:
    """Return ``key`` when it is a SHA-256 hex digest, else raise :class:`InvalidKey`."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidKey(f"not a content key: {key!r:.80}")
    return key


class Storage:
    """Base class of the backends; subclasses implement every method below.

    Constructors take the parsed configuration; ``repr`` never shows credentials.
    """

    def put(self, stream: BinaryIO) -> str:
        """Store the stream's bytes atomically and return their SHA-256 key.

        An interrupted write leaves nothing visible under any key.
        """
        raise NotImplementedError

    def get(self, key: str) -> BinaryIO:
        """Return a readable binary stream of the object; the caller closes it.

        :raises NotFound: when no object has that key.
        """
        raise NotImplementedError

    def stat(self, key: str) -> ObjectInfo:
        """Return size, hash and creation time of the object.

        :raises NotFound: when no object has that key.
        """
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        """Tell whether an object has that key."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        raise NotImplementedError

    def url(self, key: str, expires_seconds: int = 300) -> str | None:
        """Return a presigned download URL, or ``None`` where the backend has none."""
        raise NotImplementedError

    def check(self) -> None:
        """Raise :class:`StorageError` when the backend cannot be reached or written."""
        raise NotImplementedError
