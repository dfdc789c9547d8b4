"""Streams for the storage tests: generated content of any size, and streams that break."""

from __future__ import annotations

import hashlib
import random

from storage.base import Readable

BLOCK = 1024 * 1024


class GeneratedStream:
    """``size`` pseudo-random bytes made on the fly: a large upload never sits in memory here.

    With ``fail_after`` the stream raises ``BrokenUpload`` once that many bytes were read,
    as a request stream does when the client goes away. ``head`` replaces the first bytes
    (a file signature, for the upload tests).
    """

    def __init__(
        self, size: int, seed: int = 0, fail_after: int | None = None, chunk: int = 64 * 1024, head: bytes = b""
    ) -> None:
        self.size = size
        self.position = 0
        self.fail_after = fail_after
        self.chunk = chunk
        block = random.Random(seed).randbytes(BLOCK)
        self._block = head + block[len(head) :]

    def read(self, size: int = -1, /) -> bytes:
        if self.fail_after is not None and self.position >= self.fail_after:
            raise BrokenUpload(f"connection lost after {self.position} bytes")
        want = min(self.chunk if size < 0 else size, self.chunk, self.size - self.position)
        if self.fail_after is not None:
            want = min(want, self.fail_after - self.position)
        start = self.position % BLOCK
        data = self._block[start : start + want]
        if len(data) < want:  # wrap around the block
            data += self._block[: want - len(data)]
        self.position += len(data)
        return data


class BrokenUpload(ConnectionError):
    """What a request stream raises when the client disconnects midway."""


def generated_sha256(size: int, seed: int = 0, head: bytes = b"") -> str:
    """The SHA-256 of what ``GeneratedStream(size, seed, head=head)`` produces."""
    digest = hashlib.sha256()
    stream = GeneratedStream(size, seed, head=head)
    while chunk := stream.read(BLOCK):
        digest.update(chunk)
    return digest.hexdigest()


def stream_sha256(stream: Readable) -> tuple[str, int]:
    """Hash a stream in chunks; return the digest and the size."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(BLOCK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
