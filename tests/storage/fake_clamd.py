"""A small clamd peer for unit tests: it speaks clamd's real INSTREAM wire protocol on loopback.

It is a protocol peer, not an antivirus: it flags a stream as infected when it contains
``MARKER`` (even across chunk boundaries), answering with ``SIGNATURE`` the way clamd
does, and refuses streams longer than ``max_length`` the way clamd's ``StreamMaxLength``
does. No signature database is involved, so the tests need none.
"""

from __future__ import annotations

import hashlib
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

MARKER = b"TRAMITES-FAKE-MALWARE-MARKER"
SIGNATURE = "Tramites.Test.FakeMarker"


@dataclass
class Received:
    """What the peer saw of each INSTREAM: bytes, chunk count, SHA-256."""

    size: int = 0
    chunks: int = 0
    digest: Any = field(default_factory=hashlib.sha256)


class _Handler(socketserver.StreamRequestHandler):
    server: Any  # _Server or _UnixServer, both with max_length and streams

    def handle(self) -> None:
        command = self._command()
        if command == b"PING":
            self.wfile.write(b"PONG\0")
        elif command == b"INSTREAM":
            self.wfile.write(self._instream())
        else:
            self.wfile.write(b"UNKNOWN COMMAND\0")

    def _command(self) -> bytes:
        prefix = self.rfile.read(1)
        terminator = b"\0" if prefix == b"z" else b"\n"
        data = b""
        while (byte := self.rfile.read(1)) and byte != terminator:
            data += byte
        return data

    def _instream(self) -> bytes:
        received = Received()
        tail = b""
        infected = False
        while True:
            header = self.rfile.read(4)
            if len(header) < 4:
                return b"stream: premature end ERROR\0"
            (length,) = struct.unpack("!L", header)
            if length == 0:
                break
            if received.size + length > self.server.max_length:
                return b"INSTREAM size limit exceeded. ERROR\0"
            chunk = self.rfile.read(length)
            received.size += len(chunk)
            received.chunks += 1
            received.digest.update(chunk)
            infected = infected or MARKER in tail + chunk
            tail = (tail + chunk)[-len(MARKER) :]
        self.server.streams.append(received)
        return f"stream: {SIGNATURE} FOUND\0".encode() if infected else b"stream: OK\0"


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    max_length = 25 * 1024 * 1024
    streams: list[Received]


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    max_length = 25 * 1024 * 1024
    streams: list[Received]


class FakeClamd:
    """Run the peer on a loopback TCP port or a UNIX socket path, in a thread."""

    def __init__(self, unix_path: str | None = None, max_length: int = 25 * 1024 * 1024) -> None:
        if unix_path:
            self._server: _Server | _UnixServer = _UnixServer(unix_path, _Handler)
            self.url = f"unix://{unix_path}"
        else:
            self._server = _Server(("127.0.0.1", 0), _Handler)
            self.url = f"clamd://127.0.0.1:{self._server.server_address[1]}"
        self._server.max_length = max_length
        self._server.streams = []
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def streams(self) -> list[Received]:
        return self._server.streams

    def __enter__(self) -> FakeClamd:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
