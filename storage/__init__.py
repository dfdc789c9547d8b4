"""Document storage: one interface, a local-folder backend and an S3 backend."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from storage.base import InvalidKey, NotFound, ObjectInfo, Storage, StorageError

__all__ = ["InvalidKey", "NotFound", "ObjectInfo", "Storage", "StorageError", "open_storage"]


def open_storage(url: str) -> Storage:
    """Build the backend that ``url`` names; nothing is contacted yet.

    ``file:///absolute/folder`` is a local folder; ``s3://KEY:SECRET@host:port/bucket?secure=false&region=…``
    an S3 bucket (see :func:`storage.minio_.parse_s3_url`). Backends load lazily, so the
    ``minio`` client is imported only where S3 is configured.

    :param url: the value of ``TRAMITES_STORAGE_URL``.
    :return: the backend.
    :raises StorageError: for a malformed URL or a scheme no backend serves.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        from storage.local import LocalStorage

        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise StorageError("a file storage URL names an absolute folder: file:///folder")
        return LocalStorage(unquote(parts.path))
    if parts.scheme == "s3":
        from storage.minio_ import MinioStorage

        return MinioStorage.from_url(url)
    raise StorageError(f"no storage backend for {parts.scheme!r} URLs")
