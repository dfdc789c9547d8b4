"""Documents: upload and download throughput on both storage backends, and one certificate.

Run with ``.venv/bin/python bench/documents.py`` (``make bench`` runs it too). The S3 backend
talks to moto's S3 server started on loopback, as the tests do. Sizes are 1 MB and 100 MB,
generated on the fly so the 100 MB file never exists whole in memory; the peak of Python
allocations during the 100 MB upload (tracemalloc) shows the streaming holds. Throughput is
MB/s of wall time; compare rows of one run, not runs of different days (the machine is shared).
"""

from __future__ import annotations

import io
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import storage  # noqa: E402 - after the path line, so the bench runs from a clone without install
from connectors.documents.bench import bench_render_and_sign  # noqa: E402

MB = 1024 * 1024
SIZES = (1 * MB, 100 * MB)


class Generated(io.RawIOBase):
    """``size`` bytes of a repeated pattern, produced as they are read."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._chunk = secrets.token_bytes(64 * 1024)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, len(self._chunk))
        buffer[:n] = self._chunk[:n]
        self._left -= n
        return n


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_s3() -> Iterator[str]:
    """Start moto's S3 server; yield an ``s3://`` URL with a fresh bucket."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield f"s3://bench:bench-secret@127.0.0.1:{port}/bench-{secrets.token_hex(4)}?secure=false&region=us-east-1"
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure(url: str, size: int) -> tuple[float, float, float]:
    """Upload then download ``size`` bytes: MB/s up, MB/s down, peak Python MB during the upload."""
    backend = storage.open_storage(url)
    tracemalloc.start()
    started = time.perf_counter()
    key = backend.put(Generated(size))
    uploaded = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    read = 0
    with backend.get(key) as stream:
        while chunk := stream.read(1024 * 1024):
            read += len(chunk)
    downloaded = time.perf_counter()
    assert read == size, (read, size)
    backend.delete(key)
    return size / MB / (uploaded - started), size / MB / (downloaded - uploaded), peak / MB


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as folder, moto_s3() as s3_url:
        for name, url in (("local", Path(folder).as_uri()), ("s3 (moto)", s3_url)):
            for size in SIZES:
                up, down, peak = measure(url, size)
                rows.append((name, size // MB, up, down, peak))
    print(f"{'backend':<10} {'MB':>5} {'subida MB/s':>12} {'bajada MB/s':>12} {'pico subida MB':>15}")
    for name, size_mb, up, down, peak in rows:
        print(f"{name:<10} {size_mb:>5} {up:>12.1f} {down:>12.1f} {peak:>15.2f}")
    cert = bench_render_and_sign(n=int(os.environ.get("BENCH_CERTIFICATES", "20")))
    print()
    print(f"{'certificado':<22} {'mediana ms':>10} {'p95 ms':>8} {'render ms':>10} {'firma ms':>9} {'KB':>6}")
    print(f"{'render + firma PAdES':<22} {cert['median_ms']:>10.1f} {cert['p95_ms']:>8.1f} "
          f"{cert['render_median_ms']:>10.1f} {cert['sign_median_ms']:>9.1f} {cert['size_kb']:>6.0f}")


if __name__ == "__main__":
    main()
