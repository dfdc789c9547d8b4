"""One behavioural suite, run on both backends: the local folder and S3 (moto's server).

Whatever the expediente and the upload views rely on is asserted here once, so the two
backends cannot drift apart.
"""

from __future__ import annotations

import hashlib
import io
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
import requests

import storage
from storage.names import content_disposition
from tests.storage.conftest import Backend
from tests.storage.streams import BLOCK, BrokenUpload, GeneratedStream, generated_sha256, stream_sha256

SIZES = [0, 1, 100_000, 9 * BLOCK + 123]  # the last one spans two S3 multipart parts


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("size", SIZES, ids=lambda n: f"{n}B")
def test_put_get_round_trip_byte_for_byte(backend: Backend, size: int) -> None:
    key = backend.store.put(GeneratedStream(size, seed=size))

    assert key == generated_sha256(size, seed=size)
    with backend.store.get(key) as stream:
        assert stream_sha256(stream) == (key, size)
    assert backend.observer.objects() == {key}
    assert backend.observer.leftovers() == []


def test_get_returns_exact_bytes_in_small_reads(backend: Backend) -> None:
    data = bytes(range(256)) * 41
    key = backend.store.put(io.BytesIO(data))
    with backend.store.get(key) as stream:
        pieces = []
        while piece := stream.read(1000):
            pieces.append(piece)
    assert b"".join(pieces) == data


def test_same_bytes_twice_store_one_object(backend: Backend) -> None:
    first = backend.store.put(io.BytesIO(b"constancia de domicilio"))
    second = backend.store.put(io.BytesIO(b"constancia de domicilio"))
    other = backend.store.put(io.BytesIO(b"otra constancia"))

    assert first == second == sha256(b"constancia de domicilio")
    assert backend.observer.objects() == {first, other}
    assert backend.observer.leftovers() == []


def test_stat_reports_size_hash_and_creation(backend: Backend) -> None:
    before = datetime.now(UTC) - timedelta(minutes=2)
    key = backend.store.put(io.BytesIO(b"x" * 1234))

    info = backend.store.stat(key)

    assert (info.key, info.size, info.sha256) == (key, 1234, key)
    assert info.created.tzinfo is not None
    assert before <= info.created <= datetime.now(UTC) + timedelta(minutes=2)


def test_exists_and_delete(backend: Backend) -> None:
    key = backend.store.put(io.BytesIO(b"a borrar"))
    assert backend.store.exists(key)

    backend.store.delete(key)

    assert not backend.store.exists(key)
    assert backend.observer.objects() == set()
    backend.store.delete(key)  # deleting what is gone is not an error


def test_iter_objects_lists_every_content_key_with_size_and_age(backend: Backend) -> None:
    assert list(backend.store.iter_objects()) == []
    keys = {backend.store.put(io.BytesIO(b"x" * n)): n for n in (1, 10, 100_000)}

    listed = {info.key: info for info in backend.store.iter_objects()}

    assert {k: i.size for k, i in listed.items()} == keys
    assert all(i.sha256 == i.key and i.created.tzinfo is not None for i in listed.values())
    backend.store.delete(next(iter(keys)))
    assert len(list(backend.store.iter_objects())) == 2


def test_iter_objects_skips_writes_in_progress(backend: Backend) -> None:
    stream = GeneratedStream(20 * BLOCK, fail_after=12 * BLOCK)
    seen: list[set[str]] = []
    original = stream.read

    def read_and_list(size: int = -1, /) -> bytes:
        if stream.position > 6 * BLOCK and not seen:
            seen.append({info.key for info in backend.store.iter_objects()})
        return original(size)

    stream.read = read_and_list  # type: ignore[method-assign]
    kept = backend.store.put(io.BytesIO(b"ya guardado"))
    with pytest.raises(BrokenUpload):
        backend.store.put(stream)
    assert seen == [{kept}]


def test_storing_known_content_again_makes_it_look_new(backend: Backend) -> None:
    key = backend.store.put(io.BytesIO(b"constancia subida otra vez"))
    first = backend.store.stat(key).created
    time.sleep(1.1)  # S3 keeps Last-Modified to the second

    assert backend.store.put(io.BytesIO(b"constancia subida otra vez")) == key

    assert backend.store.stat(key).created > first
    assert backend.observer.objects() == {key} and backend.observer.leftovers() == []


def test_missing_key_raises_not_found(backend: Backend) -> None:
    missing = sha256(b"never stored")
    with pytest.raises(storage.NotFound):
        backend.store.get(missing)
    with pytest.raises(storage.NotFound):
        backend.store.stat(missing)
    assert not backend.store.exists(missing)
    assert storage.NotFound.status == 404


BAD_KEYS = [
    "../etc/passwd",
    "../../" + "a" * 58,
    "/etc/passwd",
    "A" * 64,
    "a" * 63,
    "a" * 65,
    "tmp/" + "a" * 60,
    "a" * 63 + "/",
    "",
]


@pytest.mark.parametrize("key", BAD_KEYS)
@pytest.mark.parametrize("operation", ["get", "stat", "exists", "delete", "url"])
def test_keys_that_are_not_hashes_are_refused(backend: Backend, key: str, operation: str) -> None:
    with pytest.raises(storage.InvalidKey):
        getattr(backend.store, operation)(key)


@pytest.mark.parametrize("fail_after", [100, 12 * BLOCK], ids=["small", "multipart"])
def test_interrupted_upload_leaves_nothing(backend: Backend, fail_after: int) -> None:
    stream = GeneratedStream(20 * BLOCK, fail_after=fail_after)

    with pytest.raises(BrokenUpload):  # the stream's own error, unchanged
        backend.store.put(stream)

    assert stream.position == fail_after
    assert backend.observer.objects() == set()
    assert backend.observer.leftovers() == []


def test_presigned_url_serves_the_bytes_on_s3_and_is_none_locally(backend: Backend) -> None:
    data = b"%PDF-1.7 certificado\n" * 500
    key = backend.store.put(io.BytesIO(data))
    disposition = content_disposition("Certificado de habilitación.pdf")

    url = backend.store.url(key, 60, content_type="application/pdf", content_disposition=disposition)

    if backend.name == "local":
        assert url is None
        return
    assert url is not None
    with requests.get(url, timeout=10) as response:
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == disposition
    # moto does not verify signatures, so only the requested validity is checked here.
    assert "X-Amz-Expires=60" in url


@pytest.mark.parametrize("seconds", [0, -1, 7 * 24 * 3600 + 1])
def test_url_validity_is_bounded(backend: Backend, seconds: int) -> None:
    key = backend.store.put(io.BytesIO(b"x"))
    with pytest.raises(ValueError):
        backend.store.url(key, seconds)


def test_check_passes_on_a_working_backend(backend: Backend) -> None:
    backend.store.check()


def test_streaming_a_large_upload_keeps_memory_bounded(backend: Backend) -> None:
    """A 96 MiB upload and download peak far below their size (tracemalloc, this process)."""
    size = 96 * BLOCK
    tracemalloc.start()
    try:
        key = backend.store.put(GeneratedStream(size, seed=7))
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with backend.store.get(key) as stream:
            downloaded = stream_sha256(stream)
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert downloaded == (generated_sha256(size, seed=7), size)
    assert upload_peak < size / 3, f"upload peaked at {upload_peak / BLOCK:.1f} MiB"
    assert download_peak < size / 10, f"download peaked at {download_peak / BLOCK:.1f} MiB"
