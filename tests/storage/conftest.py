"""The storage backends under test, each with an observer that looks at what it holds.

The observer does not go through the backend: it lists the folder, or asks the S3 server
itself (objects and incomplete multipart uploads) with a separate client, so "nothing
was left behind" is checked from the outside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

import storage
from tests.fixtures.s3 import S3Server


class Observer(Protocol):
    def objects(self) -> set[str]:
        """Names visible as stored documents."""

    def leftovers(self) -> list[str]:
        """Temporary files, temporary objects or unfinished uploads."""


@dataclass
class FolderObserver:
    root: Path

    def objects(self) -> set[str]:
        folder = self.root / "objects"
        return {p.parent.name + p.name for p in folder.glob("*/*")} if folder.exists() else set()

    def leftovers(self) -> list[str]:
        folder = self.root / "tmp"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@dataclass
class BucketObserver:
    server: S3Server
    bucket: str

    def _client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.server.endpoint_url,
            aws_access_key_id=self.server.access_key,
            aws_secret_access_key=self.server.secret_key,
            region_name=self.server.region,
        )

    def _names(self) -> list[str]:
        client = self._client()
        try:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
            return [item["Key"] for page in pages for item in page.get("Contents", [])]
        finally:
            client.close()

    def objects(self) -> set[str]:
        return {name for name in self._names() if "/" not in name}

    def leftovers(self) -> list[str]:
        client = self._client()
        try:
            uploads = client.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        finally:
            client.close()
        return sorted(n for n in self._names() if "/" in n) + [f"upload:{u['Key']}" for u in uploads]


@dataclass
class Backend:
    name: str
    store: storage.Storage
    observer: Observer


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend, empty, with its observer."""
    if request.param == "local":
        root = tmp_path / "documents"
        yield Backend("local", storage.open_storage(root.as_uri()), FolderObserver(root))
        return
    url = request.getfixturevalue("fresh_s3_url")
    server: S3Server = request.getfixturevalue("s3_server")
    store = storage.open_storage(url)
    store.check()  # creates the bucket, so that the observer can list it
    try:
        yield Backend("s3", store, BucketObserver(server, store.bucket))  # type: ignore[attr-defined]
    finally:
        store.close()


@pytest.fixture
def store(backend: Backend) -> storage.Storage:
    return backend.store
