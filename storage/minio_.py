"""Documents in an S3 bucket through the ``minio`` client (MinIO in production, any S3 endpoint).

A write streams into a temporary object ``tmp/<random>`` (multipart, a few parts in memory
at most) while the bytes are hashed; the server then copies it to its final name, the
SHA-256, and the temporary object is removed. A reader therefore never sees a half-written
object under a content key: S3 makes an object visible only when its upload completes, and
the final name exists only once the content is known. A failed multipart upload is aborted
by the client; for what a crash leaves behind, buckets created here get a lifecycle rule
that expires ``tmp/`` objects and incomplete uploads after a day.
"""

from __future__ import annotations

import io
import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, CopySource, Filter
from minio.error import MinioException, S3Error
from minio.lifecycleconfig import AbortIncompleteMultipartUpload, Expiration, LifecycleConfig, Rule

from storage.base import (
    CHUNK_SIZE,
    KEY_PATTERN,
    NotFound,
    ObjectInfo,
    Readable,
    Storage,
    StorageError,
    check_expiry,
    check_key,
)
from storage.streams import HashingReader

log = logging.getLogger(__name__)

PART_SIZE = 5 * 1024 * 1024  # S3's minimum part; 10,000 parts allow objects up to 50 GB
PARALLEL_UPLOADS = 2  # parts in flight; peak memory is about (PARALLEL_UPLOADS + 3) * PART_SIZE
TMP_PREFIX = "tmp/"
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchObject"})
ALREADY_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})
BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP_PATTERN = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class S3Location:
    """Where the bucket lives and how to sign requests to it (parsed from an ``s3://`` URL)."""

    endpoint: str
    bucket: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    secure: bool = True
    region: str = "us-east-1"

    def redacted(self) -> str:
        """Return the location as a URL without credentials, fit for logs and ``repr``."""
        return f"s3://{self.endpoint}/{self.bucket}?secure={str(self.secure).lower()}&region={self.region}"


def parse_s3_url(url: str) -> S3Location:
    """Parse ``s3://ACCESS_KEY:SECRET_KEY@host:port/bucket?secure=false&region=us-east-1``.

    The key and the secret are percent-decoded; ``secure`` defaults to true and ``region``
    to ``us-east-1``.

    :raises StorageError: when the URL is malformed (the message never contains the secret).
    """
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise StorageError("an S3 storage URL starts with s3://")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as e:
        raise StorageError("the S3 storage URL has an invalid port") from e
    if not host:
        raise StorageError("the S3 storage URL names no host")
    endpoint = f"[{host}]" if ":" in host else host
    endpoint += f":{port}" if port else ""
    if (parts.username is None) != (parts.password is None):
        raise StorageError("the S3 storage URL needs both ACCESS_KEY and SECRET_KEY")
    options = _options(parts.query)
    return S3Location(
        endpoint=endpoint,
        bucket=_bucket(parts.path),
        access_key=unquote(parts.username or ""),
        secret_key=unquote(parts.password or ""),
        secure=_flag(options.get("secure", "true")),
        region=options.get("region") or "us-east-1",
    )


def _options(query: str) -> dict[str, str]:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - {"secure", "region"}
    if unknown:
        raise StorageError(f"unknown S3 storage option(s): {', '.join(sorted(unknown))}")
    return options


def _bucket(path: str) -> str:
    name = path.strip("/")
    if not BUCKET_PATTERN.match(name) or ".." in name or IP_PATTERN.match(name):
        raise StorageError(
            f"invalid S3 bucket name {name!r:.70}: 3 to 63 lowercase letters, digits, dots or hyphens"
        )
    return name


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise StorageError(f"secure= must be true or false, not {value!r:.20}")


def _http_client() -> urllib3.PoolManager:
    """Like the client's default, but a dead endpoint fails in seconds instead of minutes."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=120),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


class MinioStorage(Storage):
    """Content-addressed objects in one S3 bucket, created on first use when missing."""

    def __init__(self, location: S3Location, *, part_size: int = PART_SIZE) -> None:
        self.location = location
        self.part_size = part_size
        self._http = _http_client()
        try:
            self._client = Minio(
                location.endpoint,
                access_key=location.access_key or None,
                secret_key=location.secret_key or None,
                secure=location.secure,
                region=location.region,
                http_client=self._http,
            )
        except ValueError as e:
            raise StorageError(f"invalid S3 endpoint {location.endpoint!r}: {e}") from e
        self._bucket_ready = False

    @classmethod
    def from_url(cls, url: str) -> MinioStorage:
        """Build the backend from an ``s3://`` URL (see :func:`parse_s3_url`)."""
        return cls(parse_s3_url(url))

    def __repr__(self) -> str:
        return f"MinioStorage({self.location.redacted()!r})"

    @property
    def bucket(self) -> str:
        return self.location.bucket

    @contextmanager
    def _errors(self, action: str, missing: str | None = None) -> Iterator[None]:
        """Turn the client's errors into ours; with ``missing``, a 404 becomes NotFound."""
        try:
            yield
        except S3Error as e:
            if missing is not None and e.code in MISSING_CODES:
                raise NotFound(missing) from e
            raise StorageError(f"S3 {action} failed at {self.location.redacted()}: {e.code}: {e.message}") from e
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise StorageError(f"S3 {action} failed at {self.location.redacted()}: {e}") from e

    def put(self, stream: Readable) -> str:
        self._ensure_bucket()
        reader = HashingReader(stream)
        temporary = f"{TMP_PREFIX}{uuid.uuid4().hex}"
        with self._errors("upload"):
            # On an exception (the stream's included) the client aborts the multipart upload;
            # a single-part PUT that never completed leaves nothing.
            self._client.put_object(
                self.bucket,
                temporary,
                cast(BinaryIO, reader),
                length=-1,
                part_size=self.part_size,
                num_parallel_uploads=PARALLEL_UPLOADS,
            )
        key = reader.hexdigest()
        try:
            with self._errors("store"):
                # Also when the content is already there: the copy (server-side, atomic for
                # readers, the same bytes) refreshes its Last-Modified, so a sweep of
                # unreferenced objects sees content stored again just now as new.
                self._client.copy_object(self.bucket, key, CopySource(self.bucket, temporary))
        finally:
            self._remove_quietly(temporary)
        return key

    def _stat_or_none(self, key: str) -> ObjectInfo | None:
        try:
            return self.stat(key)
        except NotFound:
            return None

    def _remove_quietly(self, name: str) -> None:
        try:
            self._client.remove_object(self.bucket, name)
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            # Not under a content key, so invisible to readers; the lifecycle rule expires it.
            log.warning("could not remove the temporary object %s: %s", name, e)

    def get(self, key: str) -> BinaryIO:
        check_key(key)
        with self._errors("download", missing=key):
            response = self._client.get_object(self.bucket, key)
        return io.BufferedReader(_ResponseReader(response, key), CHUNK_SIZE)

    def stat(self, key: str) -> ObjectInfo:
        check_key(key)
        with self._errors("stat", missing=key):
            info = self._client.stat_object(self.bucket, key)
        return ObjectInfo(
            key=key,
            size=info.size or 0,
            sha256=key,
            created=info.last_modified or datetime.now(UTC),
        )

    def exists(self, key: str) -> bool:
        return self._stat_or_none(key) is not None

    def delete(self, key: str) -> None:
        check_key(key)
        try:
            with self._errors("delete", missing=key):
                self._client.remove_object(self.bucket, key)  # S3 answers 204 for a missing key
        except NotFound:
            pass  # the bucket itself is missing: nothing to delete either

    def iter_objects(self) -> Iterator[ObjectInfo]:
        self._ensure_bucket()
        with self._errors("list"):
            # Content keys live at the bucket's root; temporaries under tmp/ are not listed.
            for item in self._client.list_objects(self.bucket, recursive=False):
                name = item.object_name or ""
                if item.is_dir or not KEY_PATTERN.match(name):
                    continue
                yield ObjectInfo(key=name, size=item.size or 0, sha256=name,
                                 created=item.last_modified or datetime.now(UTC))

    def url(
        self,
        key: str,
        expires_seconds: int = 300,
        *,
        content_type: str | None = None,
        content_disposition: str | None = None,
    ) -> str | None:
        check_key(key)
        headers: dict[str, str | list[str] | tuple[str]] = {}
        if content_type:
            headers["response-content-type"] = content_type
        if content_disposition:
            headers["response-content-disposition"] = content_disposition
        with self._errors("presign"):
            return self._client.presigned_get_object(
                self.bucket,
                key,
                expires=timedelta(seconds=check_expiry(expires_seconds)),
                response_headers=headers or None,
            )

    def check(self) -> None:
        self._bucket_ready = False
        self._ensure_bucket()

    def close(self) -> None:
        self._http.clear()

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._errors("bucket check"):
            if not self._client.bucket_exists(self.bucket):
                self._create_bucket()
        self._bucket_ready = True

    def _create_bucket(self) -> None:
        try:
            self._client.make_bucket(self.bucket)
        except S3Error as e:
            if e.code in ALREADY_CODES:
                return  # another process created it meanwhile
            raise
        log.info("created the S3 bucket %s", self.location.redacted())
        try:
            self._client.set_bucket_lifecycle(self.bucket, _cleanup_rules())
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            log.warning("the S3 bucket %s has no cleanup rule for temporaries: %s", self.bucket, e)


def _cleanup_rules() -> LifecycleConfig:
    """Expire what a crash between upload and copy leaves behind; never touches content keys."""
    return LifecycleConfig(
        [
            Rule(
                ENABLED,
                rule_filter=Filter(prefix=TMP_PREFIX),
                rule_id="tramites-tmp",
                expiration=Expiration(days=1),
            ),
            Rule(
                ENABLED,
                rule_filter=Filter(prefix=""),
                rule_id="tramites-incomplete-uploads",
                abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(days_after_initiation=1),
            ),
        ]
    )


class _ResponseReader(io.RawIOBase):
    """An object's HTTP response as a raw stream: errors become StorageError, close frees the connection."""

    def __init__(self, response: urllib3.BaseHTTPResponse, key: str) -> None:
        self._response = response
        self._key = key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        try:
            data = self._response.read(len(buffer))
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise StorageError(f"the download of {self._key} broke off: {e}") from e
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()
