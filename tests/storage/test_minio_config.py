"""The S3 backend's own concerns: its URL, secrets kept out of sight, bucket creation, outages."""

from __future__ import annotations

import io
import time
from typing import Any
from urllib.parse import quote

import boto3
import pytest

import storage
from storage.local import LocalStorage
from storage.minio_ import MinioStorage, parse_s3_url
from tests.fixtures.require import free_port
from tests.fixtures.s3 import S3Server, fresh_bucket_name

SECRET = "s3cr3t/with+odd=chars"


def test_url_is_parsed_and_percent_decoded() -> None:
    location = parse_s3_url("s3://AK%40city:s3cr3t%2Fwith%2Bodd%3Dchars@minio.smt.gob.ar:9000/expedientes")

    assert (location.endpoint, location.bucket) == ("minio.smt.gob.ar:9000", "expedientes")
    assert (location.access_key, location.secret_key) == ("AK@city", SECRET)
    assert (location.secure, location.region) == (True, "us-east-1")


@pytest.mark.parametrize(("query", "secure", "region"), [
    ("?secure=false&region=sa-east-1", False, "sa-east-1"),
    ("?secure=0", False, "us-east-1"),
    ("?secure=TRUE", True, "us-east-1"),
])
def test_url_options(query: str, secure: bool, region: str) -> None:
    location = parse_s3_url(f"s3://k:s@127.0.0.1:9000/docs{query}")
    assert (location.secure, location.region) == (secure, region)


@pytest.mark.parametrize("url", [
    "s3://k:s@host:9000/ab",  # too short
    "s3://k:s@host:9000/Expedientes",  # upper case
    "s3://k:s@host:9000/exp_2024",  # underscore
    "s3://k:s@host:9000/192.168.0.1",  # shaped like an IP address
    "s3://k:s@host:9000/a..b",
    "s3://k:s@host:9000/" + "a" * 64,
    "s3://k:s@host:9000/",
    "s3://k:s@host:9000/docs/extra",
    "s3://k:s@/docs",  # no host
    "s3://k:s@host:port/docs",  # bad port
    "s3://k:s@host:9000/docs?secure=maybe",
    "s3://k:s@host:9000/docs?bucket=other",  # unknown option
    "s3://onlykey@host:9000/docs",  # key without secret
])
def test_malformed_urls_are_refused_without_showing_the_secret(url: str) -> None:
    with pytest.raises(storage.StorageError) as refused:
        storage.open_storage(url)
    assert ":s@" not in str(refused.value)


def test_repr_and_errors_never_show_the_secret() -> None:
    port = free_port()
    store = storage.open_storage(f"s3://AK:{quote(SECRET, safe='')}@127.0.0.1:{port}/docs?secure=false")
    try:
        assert isinstance(store, MinioStorage)
        assert store.location.secret_key == SECRET
        assert repr(store) == f"MinioStorage('s3://127.0.0.1:{port}/docs?secure=false&region=us-east-1')"
        assert SECRET not in repr(store.location)
        started = time.monotonic()
        with pytest.raises(storage.StorageError) as failed:
            store.check()  # nothing listens there
        assert time.monotonic() - started < 10, "an unreachable endpoint fails fast"
        assert SECRET not in str(failed.value) and "s3cr3t" not in str(failed.value)
        with pytest.raises(storage.StorageError):
            store.put(io.BytesIO(b"x"))
    finally:
        store.close()


@pytest.mark.parametrize("url", ["file://relative/folder", "file://server/share", "ftp://host/x", "documents"])
def test_open_storage_refuses_other_urls(url: str) -> None:
    with pytest.raises(storage.StorageError):
        storage.open_storage(url)


def test_open_storage_local() -> None:
    store = storage.open_storage("file:///srv/tr%C3%A1mites/documentos")
    assert isinstance(store, LocalStorage)
    assert str(store.root) == "/srv/trámites/documentos"


def _client(server: S3Server) -> Any:
    return boto3.client("s3", endpoint_url=server.endpoint_url, aws_access_key_id=server.access_key,
                        aws_secret_access_key=server.secret_key, region_name=server.region)


def test_missing_bucket_is_created_on_first_put_with_cleanup_rules(s3_server: S3Server) -> None:
    bucket = fresh_bucket_name()
    store = storage.open_storage(s3_server.url(bucket))
    client = _client(s3_server)
    try:
        assert not store.exists("0" * 64)  # a missing bucket holds nothing
        store.delete("0" * 64)
        with pytest.raises(storage.NotFound):
            store.get("0" * 64)

        key = store.put(io.BytesIO(b"primer documento"))

        assert store.exists(key)
        rules = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert {r["ID"] for r in rules} == {"tramites-tmp", "tramites-incomplete-uploads"}
        assert [r["Filter"]["Prefix"] for r in rules if r["ID"] == "tramites-tmp"] == ["tmp/"]
    finally:
        client.close()
        store.close()


def test_check_creates_the_bucket_and_leaves_an_existing_one_alone(s3_server: S3Server) -> None:
    bucket = fresh_bucket_name()
    client = _client(s3_server)
    client.create_bucket(Bucket=bucket)  # made by the operator, without our rules
    store = storage.open_storage(s3_server.url(bucket))
    try:
        store.check()
        with pytest.raises(client.exceptions.ClientError):
            client.get_bucket_lifecycle_configuration(Bucket=bucket)
    finally:
        client.close()
        store.close()


def test_closed_download_stream_cannot_be_read(s3_url: str) -> None:
    store = storage.open_storage(s3_url)
    try:
        key = store.put(io.BytesIO(b"contenido"))
        stream = store.get(key)
        assert stream.read(3) == b"con"
        stream.close()
        with pytest.raises(ValueError):
            stream.read()
    finally:
        store.close()
