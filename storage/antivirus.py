"""A client of ClamAV's ``clamd`` daemon speaking its INSTREAM protocol (TCP or UNIX socket).

The protocol (clamd(8)): send ``zINSTREAM\\0``, then the data as chunks each preceded by its
length as a 4-byte big-endian integer, then a zero length; clamd answers one
NUL-terminated line: ``stream: OK``, ``stream: <signature> FOUND`` or ``… ERROR`` (for
instance ``INSTREAM size limit exceeded. ERROR`` past clamd's ``StreamMaxLength``, which
must be at least the upload limit). ``zPING\\0`` is answered ``PONG``.

The data is sent while the upload streams, so a file is scanned without being stored or
held in memory first (see :func:`storage.uploads.receive`).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import unquote, urlsplit

from storage.base import Readable

CLAMD_PORT = 3310
MAX_CHUNK = 256 * 1024
MAX_REPLY = 4096


class AntivirusError(Exception):
    """clamd could not be reached or could not scan the file."""

    status = 503
    public_message = "No se pudo analizar el archivo en busca de virus. Intente nuevamente más tarde."


@dataclass(frozen=True)
class ScanResult:
    """clamd's verdict: clean, or infected with the named signature."""

    clean: bool
    signature: str | None = None


class ClamdScanner:
    """Scans streams with one clamd; each scan opens its own connection."""

    def __init__(self, address: tuple[str, int] | str, *, timeout: float = 30.0) -> None:
        """:param address: ``(host, port)`` for TCP or a socket path for UNIX.
        :param timeout: seconds to wait for clamd on every send and for its verdict.
        """
        self.address = address
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> ClamdScanner:
        """Build a scanner from ``clamd://host:port`` or ``unix:///path/to/clamd.ctl``.

        :raises ValueError: for any other form.
        """
        parts = urlsplit(url)
        if parts.scheme == "clamd" and parts.hostname:
            return cls((parts.hostname, parts.port or CLAMD_PORT), timeout=timeout)
        if parts.scheme == "unix" and parts.path:
            return cls(unquote(parts.path), timeout=timeout)
        raise ValueError("a clamd address is clamd://host:port or unix:///path/to/socket")

    def __repr__(self) -> str:
        return f"ClamdScanner({self.address!r})"

    def connect(self) -> socket.socket:
        """Open a connection to clamd.

        :raises AntivirusError: when clamd does not answer.
        """
        try:
            if isinstance(self.address, str):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.settimeout(self.timeout)
                    sock.connect(self.address)
                except OSError:
                    sock.close()
                    raise
                return sock
            return socket.create_connection(self.address, timeout=self.timeout)
        except OSError as e:
            raise AntivirusError(f"clamd at {self.address!r} does not answer: {e}") from e

    def ping(self) -> None:
        """Check that clamd answers ``PONG``.

        :raises AntivirusError: when it does not.
        """
        with self.connect() as sock:
            try:
                sock.sendall(b"zPING\0")
                reply = _read_reply(sock)
            except OSError as e:
                raise AntivirusError(f"clamd at {self.address!r} failed: {e}") from e
        if reply != "PONG":
            raise AntivirusError(f"clamd answered {reply!r:.80} to PING")

    def session(self) -> ScanSession:
        """Start an INSTREAM scan to which chunks are sent as they arrive."""
        return ScanSession(self)

    def scan(self, stream: Readable) -> ScanResult:
        """Scan a whole stream, reading it in chunks.

        :raises AntivirusError: when clamd fails or refuses the stream.
        """
        with self.session() as session:
            while chunk := stream.read(MAX_CHUNK):
                session.send(chunk)
            return session.finish()


class ScanSession:
    """One INSTREAM exchange: :meth:`send` chunks, then :meth:`finish` for the verdict."""

    def __init__(self, scanner: ClamdScanner) -> None:
        self._scanner = scanner
        self._sock: socket.socket | None = None

    def __enter__(self) -> ScanSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _open(self) -> socket.socket:
        if self._sock is None:
            self._sock = self._scanner.connect()
            self._sendall(self._sock, b"zINSTREAM\0")
        return self._sock

    def send(self, data: bytes) -> None:
        """Send a piece of the file.

        :raises AntivirusError: when clamd stops accepting data (it says why, if it can).
        """
        sock = self._open()
        for start in range(0, len(data), MAX_CHUNK):
            chunk = data[start : start + MAX_CHUNK]
            self._sendall(sock, struct.pack("!L", len(chunk)) + chunk)

    def finish(self) -> ScanResult:
        """End the stream and return clamd's verdict.

        :raises AntivirusError: when clamd reports an error or answers nonsense.
        """
        sock = self._open()
        self._sendall(sock, struct.pack("!L", 0))
        try:
            reply = _read_reply(sock)
        except OSError as e:
            raise AntivirusError(f"clamd gave no verdict: {e}") from e
        finally:
            self.close()
        return _verdict(reply)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _sendall(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)
        except OSError as e:
            # clamd closes the connection when it refuses a stream; its reason comes first.
            reason = _reply_if_any(sock)
            self.close()
            raise AntivirusError(f"clamd stopped the scan: {reason or e}") from e


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith((b"\0", b"\n")) and len(data) < MAX_REPLY:
        chunk = sock.recv(MAX_REPLY)
        if not chunk:
            break
        data += chunk
    return data.rstrip(b"\0\n").decode("utf-8", "replace")


def _reply_if_any(sock: socket.socket) -> str:
    try:
        sock.settimeout(1.0)
        return _read_reply(sock)
    except OSError:
        return ""


def _verdict(reply: str) -> ScanResult:
    if reply.endswith(" ERROR") or not reply.startswith("stream: "):
        raise AntivirusError(f"clamd could not scan the file: {reply!r:.200}")
    result = reply.removeprefix("stream: ")
    if result == "OK":
        return ScanResult(clean=True)
    if result.endswith(" FOUND"):
        return ScanResult(clean=False, signature=result.removesuffix(" FOUND"))
    raise AntivirusError(f"clamd answered {reply!r:.200}")
