"""The contract every document storage backend fulfils.

Objects are content-addressed: the key of an object is the SHA-256 of its bytes in
lowercase hex, so writing the same content twice stores it once. Backends stream: no
method reads a whole object into memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

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


class Readable(Protocol):
    """Anything with ``read(size) -> bytes``: a file, a request stream, a wrapper of ours."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class ObjectInfo:
    """What a backend knows about one stored object.

    ``created`` is when its bytes were last stored: a :meth:`Storage.put` of content already
    there refreshes it, so an object someone has just uploaded again looks new to a sweep of
    unreferenced objects (see ``engine/casefile/sweep.py``).
    """

    key: str
    size: int
    sha256: str
    created: datetime


MAX_URL_SECONDS = 7 * 24 * 3600  # the longest validity S3 accepts for a presigned URL


def check_key(key: str) -> str:
    """Return ``key`` when it is a SHA-256 hex digest, else raise :class:`InvalidKey`."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidKey(f"not a content key: {key!r:.80}")
    return key


def check_expiry(expires_seconds: int) -> int:
    """Return ``expires_seconds`` when a presigned URL may last that long, else raise ``ValueError``."""
    if not 1 <= expires_seconds <= MAX_URL_SECONDS:
        raise ValueError(f"expires_seconds must be between 1 and {MAX_URL_SECONDS}")
    return expires_seconds


class Storage:
    """Base class of the backends; subclasses implement every method below.

    Constructors take the parsed configuration; ``repr`` never shows credentials.
    """

    def put(self, stream: Readable) -> str:
        """Store the stream's bytes atomically and return their SHA-256 key.

        The stream is read in bounded chunks until it is exhausted. Content already
        stored is not written again (deduplication), but its ``created`` time is refreshed,
        as if it had just been written. An exception raised by the stream
        propagates unchanged and leaves nothing behind: no object under any key and no
        temporary leftovers.

        :param stream: the bytes to store.
        :return: the SHA-256 of the bytes in lowercase hex.
        :raises StorageError: when the backend fails.
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

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Yield every stored object (key, size, time last stored), in no particular order.

        Only objects under content keys: temporaries of writes in progress are not listed.
        Objects stored or deleted while the listing runs may or may not appear.

        :raises StorageError: when the backend fails.
        """
        raise NotImplementedError

    def url(
        self,
        key: str,
        expires_seconds: int = 300,
        *,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> str | None:
        """Return a presigned download URL, or ``None`` where the backend has none.

        The URL is computed locally: it does not prove the object exists.

        :param expires_seconds: validity, from 1 second to 7 days.
        :param content_type: the ``Content-Type`` the download is served with.
        :param content_disposition: the ``Content-Disposition`` it is served with (see
            :func:`storage.names.content_disposition`).
        :raises InvalidKey: when ``key`` is not a content key.
        :raises ValueError: when ``expires_seconds`` is out of range.
        """
        raise NotImplementedError

    def check(self) -> None:
        """Raise :class:`StorageError` when the backend cannot be reached or written."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections or other resources; the default holds none."""

