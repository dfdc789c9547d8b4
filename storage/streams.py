"""Small stream wrappers shared by the backends and the upload helpers."""

from __future__ import annotations

import hashlib

from storage.base import Readable


def read_up_to(source: Readable, size: int) -> bytes:
    """Read from ``source`` until ``size`` bytes or the end of the stream.

    Request streams and sockets return short reads; callers that cut a stream into parts
    want whole parts, and one ``join`` is cheaper than growing a ``bytes`` object.

    :param source: the stream to read.
    :param size: how many bytes at most; a negative size reads to the end.
    :return: the bytes read, shorter than ``size`` only at the end of the stream.
    """
    chunks: list[bytes] = []
    remaining = size
    while remaining != 0:
        chunk = source.read(remaining if remaining > 0 else 1024 * 1024)
        if not chunk:
            break
        chunks.append(bytes(chunk))
        if remaining > 0:
            remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class HashingReader:
    """Pass a stream through, counting its bytes and computing their SHA-256.

    Every ``read(size)`` returns ``size`` bytes unless the source is exhausted, so that
    clients cutting the stream into multipart parts get whole parts in one piece.
    """

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        data = read_up_to(self._source, size)
        self._digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        """Return the SHA-256 of what has been read so far."""
        return self._digest.hexdigest()
