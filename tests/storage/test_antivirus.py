"""The clamd client and the antivirus hook of uploads.

Most tests talk to ``tests.storage.fake_clamd``: a protocol peer for unit tests that
speaks clamd's real INSTREAM wire protocol on loopback (TCP and UNIX socket) and flags a
marker instead of real malware, because no signature database can be downloaded here.
A real clamd is exercised only when ``TRAMITES_TEST_CLAMD_URL`` names one
(``unix:///run/clamav/clamd.ctl`` or ``clamd://127.0.0.1:3310``); otherwise that test skips.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.antivirus import MAX_CHUNK, AntivirusError, ClamdScanner
from storage.uploads import MB, Infected, ScanFailed, receive
from tests.fixtures.require import free_port
from tests.storage import samples
from tests.storage.conftest import Backend
from tests.storage.fake_clamd import MARKER, SIGNATURE, FakeClamd
from tests.storage.streams import GeneratedStream


@pytest.fixture(params=["tcp", "unix"])
def clamd(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeClamd]:
    # A short folder: UNIX socket paths are limited to about 100 bytes.
    path = str(tmp_path_factory.mktemp("clamd") / "c.sock") if request.param == "unix" else None
    with FakeClamd(unix_path=path, max_length=8 * MB) as server:
        yield server


def test_ping(clamd: FakeClamd) -> None:
    ClamdScanner.from_url(clamd.url).ping()


def test_clean_stream_is_sent_whole_in_bounded_chunks(clamd: FakeClamd) -> None:
    data = GeneratedStream(3 * MB + 17, seed=5).read(4 * MB)

    result = ClamdScanner.from_url(clamd.url).scan(io.BytesIO(data))

    assert (result.clean, result.signature) == (True, None)
    (received,) = clamd.streams
    assert received.size == len(data)
    assert received.digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert received.chunks >= len(data) // MAX_CHUNK


def test_infected_stream_names_the_signature(clamd: FakeClamd) -> None:
    data = b"a" * (MAX_CHUNK - 5) + MARKER + b"b" * 1000  # the marker straddles two chunks

    result = ClamdScanner.from_url(clamd.url).scan(io.BytesIO(data))

    assert (result.clean, result.signature) == (False, SIGNATURE)


def test_stream_over_clamd_limit_is_an_error(clamd: FakeClamd) -> None:
    with pytest.raises(AntivirusError, match="size limit exceeded"):
        ClamdScanner.from_url(clamd.url).scan(GeneratedStream(10 * MB))


def test_unreachable_clamd_is_an_error(tmp_path: Path) -> None:
    for url in (f"clamd://127.0.0.1:{free_port()}", f"unix://{tmp_path}/missing.sock"):
        with pytest.raises(AntivirusError, match="does not answer"):
            ClamdScanner.from_url(url, timeout=2).ping()


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("clamd://av.interno:3310", ("av.interno", 3310)),
        ("clamd://10.0.0.5", ("10.0.0.5", 3310)),
        ("unix:///run/clamav/clamd.ctl", "/run/clamav/clamd.ctl"),
    ],
)
def test_scanner_urls(url: str, address: object) -> None:
    assert ClamdScanner.from_url(url).address == address


@pytest.mark.parametrize("url", ["http://av:3310", "clamd://", "unix://", "tcp://x:1"])
def test_bad_scanner_urls(url: str) -> None:
    with pytest.raises(ValueError):
        ClamdScanner.from_url(url)


def test_upload_scanned_clean_is_stored(backend: Backend, clamd: FakeClamd) -> None:
    upload = receive(backend.store, io.BytesIO(samples.PDF), max_bytes=MB, scanner=ClamdScanner.from_url(clamd.url))

    assert backend.observer.objects() == {upload.key}
    assert [s.digest.hexdigest() for s in clamd.streams] == [upload.key]


@pytest.mark.parametrize("size", [1000, 7 * MB], ids=["small", "multipart"])
def test_infected_upload_is_refused_and_not_kept(backend: Backend, clamd: FakeClamd, size: int) -> None:
    data = samples.PDF + MARKER + GeneratedStream(size).read(size)

    with pytest.raises(Infected) as refused:
        receive(backend.store, io.BytesIO(data), max_bytes=25 * MB, scanner=ClamdScanner.from_url(clamd.url),
                display_name="factura.pdf")

    assert refused.value.status == 422
    assert refused.value.public_message == "El archivo fue rechazado porque contiene software malicioso."
    assert refused.value.details == {
        "signature": SIGNATURE, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert backend.observer.objects() == set()
    assert backend.observer.leftovers() == []


def test_upload_is_refused_when_clamd_is_down(backend: Backend) -> None:
    scanner = ClamdScanner.from_url(f"clamd://127.0.0.1:{free_port()}", timeout=2)

    with pytest.raises(ScanFailed) as refused:
        receive(backend.store, io.BytesIO(samples.PDF), max_bytes=MB, scanner=scanner)

    assert refused.value.status == 503
    assert refused.value.public_message.startswith("No se pudo analizar el archivo")
    assert backend.observer.objects() == set()


def test_real_clamd_when_configured(backend: Backend) -> None:
    """Runs only against a clamd named by TRAMITES_TEST_CLAMD_URL; checks the clean path.

    What clamd reports as infected depends on its signature database, so detection is not
    asserted here (the fake peer covers the protocol of that answer).
    """
    url = os.environ.get("TRAMITES_TEST_CLAMD_URL")
    if not url:
        pytest.skip("TRAMITES_TEST_CLAMD_URL is not set: no real clamd to test against")
    scanner = ClamdScanner.from_url(url)
    scanner.ping()
    assert scanner.scan(io.BytesIO(samples.PDF)).clean
    upload = receive(backend.store, GeneratedStream(6 * MB, head=b"%PDF-1.7\n"), max_bytes=25 * MB, scanner=scanner)
    assert backend.observer.objects() == {upload.key}
