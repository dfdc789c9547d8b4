"""Receive a file a person uploads: checked while it streams, stored only when acceptable.

:func:`receive` reads the first bytes to decide the type from the content, then streams
the rest into the store through a reader that counts bytes and feeds the antivirus. When
the file turns out too large, the client goes away or clamd finds malware, the reader
raises inside :meth:`storage.Storage.put`, which leaves nothing behind: a refused file is
never stored, not even for a moment under its key.

Infected files are not quarantined in a store: they are refused and nothing of them is
kept; the :class:`Infected` error carries the signature, size and SHA-256 for the audit
event. Keeping malware around is a liability, and the hash identifies it.

Every refusal is an :class:`UploadError` with an HTTP ``status``, a ``reason`` code and
``details`` for the audit trail, and a ``public_message`` in Spanish for the citizen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from storage.antivirus import AntivirusError, ClamdScanner, ScanSession
from storage.base import Readable, Storage
from storage.names import safe_display_name
from storage.sniff import SNIFF_BYTES, FileType, allowed_labels, is_allowed, sniff, with_extension
from storage.streams import read_up_to

DEFAULT_ALLOWED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
MB = 1024 * 1024


class UploadError(Exception):
    """A file was refused; ``public_message`` tells the citizen why, in Spanish."""

    status = 400
    reason = "upload_refused"
    public_message = "No se pudo recibir el archivo."

    def __init__(self, public_message: str | None = None, **details: Any) -> None:
        if public_message:
            self.public_message = public_message
        self.details = details
        super().__init__(f"{self.reason}: {details}" if details else self.reason)


class TooLarge(UploadError):
    status = 413
    reason = "too_large"


class CaseFull(UploadError):
    status = 413
    reason = "case_full"


class PersonFull(UploadError):
    status = 413
    reason = "person_full"


class EmptyFile(UploadError):
    status = 400
    reason = "empty"
    public_message = "El archivo está vacío."


class TypeNotAllowed(UploadError):
    status = 415
    reason = "type_not_allowed"


class Infected(UploadError):
    status = 422
    reason = "infected"
    public_message = "El archivo fue rechazado porque contiene software malicioso."


class ScanFailed(UploadError):
    status = 503
    reason = "scan_failed"
    public_message = AntivirusError.public_message


class UploadInterrupted(UploadError):
    status = 400
    reason = "interrupted"
    public_message = "La subida del archivo se interrumpió. Intente nuevamente."


@dataclass(frozen=True)
class CaseQuota:
    """The total a case may hold and how much of it its documents already use."""

    max_bytes: int
    used_bytes: int

    @property
    def room(self) -> int:
        return max(0, self.max_bytes - self.used_bytes)


@dataclass(frozen=True)
class PersonQuota(CaseQuota):
    """The total a person may hold in files not handed in yet, and how much they hold."""


def person_full_message(quota: CaseQuota) -> str:
    """Why a person's file is refused when it does not fit in what they may still hold."""
    return ("No queda espacio para sus archivos: lo que subió y todavía no presentó en un trámite "
            f"(incluidos sus borradores) puede sumar hasta {format_size(quota.max_bytes)} y quedan "
            f"{format_size(quota.room)} libres. Descarte los borradores que no necesite: el espacio de "
            "los archivos descartados se libera en unas horas.")


@dataclass(frozen=True)
class StoredUpload:
    """A received file: its storage key (the SHA-256), display name, type and size."""

    key: str
    display_name: str
    content_type: str
    size: int

    @property
    def sha256(self) -> str:
        return self.key


def receive(
    storage: Storage,
    stream: Readable,
    *,
    max_bytes: int,
    allowed_types: Collection[str] = DEFAULT_ALLOWED_TYPES,
    display_name: object = None,
    scanner: ClamdScanner | None = None,
    case_quota: CaseQuota | None = None,
    person_quota: PersonQuota | None = None,
) -> StoredUpload:
    """Check and store an uploaded file, streaming it; refuse it before anything is stored.

    :param storage: where accepted files go.
    :param stream: the file's bytes (a request stream, a file).
    :param max_bytes: the largest file accepted.
    :param allowed_types: MIME types accepted (``image/*`` allowed); only types
        :mod:`storage.sniff` recognises can ever match.
    :param display_name: the name the browser sent; sanitised, and its extension made to
        match the content.
    :param scanner: a clamd scanner; without one, files are not scanned.
    :param case_quota: the case's total limit; ``max_bytes`` still applies per file.
    :param person_quota: the person's total limit over the files they hold outside cases.
    :return: what was stored.
    :raises EmptyFile: the file has no bytes.
    :raises TypeNotAllowed: the content is not of an allowed type (whatever the name says).
    :raises TooLarge: the file exceeds ``max_bytes``.
    :raises CaseFull: the file does not fit in what is left of the case's quota.
    :raises PersonFull: the file does not fit in what is left of the person's quota.
    :raises Infected: clamd found malware.
    :raises ScanFailed: clamd was configured but could not scan.
    :raises UploadInterrupted: reading the stream failed (the client went away).
    :raises storage.StorageError: the store failed.
    """
    limit = _Limit.for_upload(max_bytes, case_quota, person_quota)
    head = _read(stream, SNIFF_BYTES)
    if not head:
        raise EmptyFile()
    file_type = sniff(head)
    if file_type is None or not is_allowed(file_type, allowed_types):
        raise _type_refused(file_type, allowed_types)
    limit.check(len(head))
    reader = _UploadReader(head, stream, limit, scanner.session() if scanner else None)
    try:
        key = storage.put(reader)
    finally:
        reader.close()
    name = with_extension(safe_display_name(display_name), file_type)
    return StoredUpload(key=key, display_name=name, content_type=file_type.mime, size=reader.size)


def format_size(size: int) -> str:
    """Write a size the way people in Argentina read it: ``25 MB``, ``1,5 MB``, ``300 KB``."""
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0").replace(".", ",") + " MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def _type_refused(file_type: FileType | None, allowed_types: Collection[str]) -> TypeNotAllowed:
    labels = allowed_labels(allowed_types)
    message = "Este tipo de archivo no está permitido."
    if labels:
        message += " Formatos aceptados: " + ", ".join(labels) + "."
    return TypeNotAllowed(message, detected=file_type.mime if file_type else None)


def _read(stream: Readable, size: int) -> bytes:
    try:
        return read_up_to(stream, size)
    except Exception as e:
        # Whatever the request stream raises when the client disappears mid-upload.
        raise UploadInterrupted(error=type(e).__name__) from e


@dataclass(frozen=True)
class _Limit:
    """The number of bytes a file may have, and which refusal exceeding it means."""

    max_bytes: int
    error: type[UploadError]
    message: str

    @classmethod
    def for_upload(cls, max_bytes: int, quota: CaseQuota | None, person: PersonQuota | None = None) -> _Limit:
        """The tightest of the per-file limit, the case's room and the person's room."""
        limit = cls(max_bytes, TooLarge, f"El archivo supera el tamaño máximo de {format_size(max_bytes)}.")
        if quota is not None and quota.room < limit.max_bytes:
            limit = cls(
                quota.room,
                CaseFull,
                "El archivo no entra en el espacio disponible del trámite: los documentos pueden sumar "
                f"hasta {format_size(quota.max_bytes)} y quedan {format_size(quota.room)} libres.",
            )
        if person is not None and person.room < limit.max_bytes:
            limit = cls(person.room, PersonFull, person_full_message(person))
        return limit

    def check(self, size: int) -> None:
        if size > self.max_bytes:
            raise self.error(self.message, limit=self.max_bytes, received_at_least=size)


class _UploadReader:
    """What :meth:`Storage.put` reads: the sniffed head, then the rest of the stream.

    Counts bytes against the limit, hashes them for the audit of an infected file, and
    feeds the scanner; at the end of the stream it asks for the verdict, so an infected
    file raises before the store makes anything visible.
    """

    def __init__(self, head: bytes, stream: Readable, limit: _Limit, scan: ScanSession | None) -> None:
        self._pending = head
        self._stream = stream
        self._limit = limit
        self._scan = scan
        self._digest = hashlib.sha256() if scan else None
        self._finished = False
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        if self._finished:
            return b""
        data = self._next(size)
        if data:
            self.size += len(data)
            self._limit.check(self.size)
            self._feed(data)
        else:
            self._finished = True
            self._conclude()
        return data

    def _next(self, size: int) -> bytes:
        if self._pending:
            wanted = len(self._pending) if size < 0 else size
            data, self._pending = self._pending[:wanted], self._pending[wanted:]
            return data
        return _read(self._stream, min(size, MB) if size > 0 else MB)

    def _feed(self, data: bytes) -> None:
        if self._scan is None or self._digest is None:
            return
        self._digest.update(data)
        try:
            self._scan.send(data)
        except AntivirusError as e:
            raise ScanFailed(error=str(e)) from e

    def _conclude(self) -> None:
        if self._scan is None or self._digest is None:
            return
        try:
            result = self._scan.finish()
        except AntivirusError as e:
            raise ScanFailed(error=str(e)) from e
        if not result.clean:
            raise Infected(signature=result.signature, size=self.size, sha256=self._digest.hexdigest())

    def close(self) -> None:
        if self._scan is not None:
            self._scan.close()


class FormFile(Protocol):
    """A file part of a form post, as the web framework hands it over (werkzeug's ``FileStorage``)."""

    filename: str | None
    stream: Readable

    def close(self) -> None: ...


def receive_each(
    storage: Storage,
    files: Iterable[tuple[str, FormFile]],
    *,
    max_bytes: int,
    case_quota: CaseQuota,
    scanner: ClamdScanner | None = None,
    person_quota: PersonQuota | None = None,
) -> Iterator[tuple[str, str, StoredUpload | UploadError]]:
    """Receive the files of one form post in turn: the one loop every front uses.

    Inputs left empty are skipped; each part is closed (a large one was spooled to a
    temporary file), and each stored file counts against the case's quota (and the person's,
    when given) for the next.

    :param files: ``(input name, file part)`` pairs, as ``request.files.items(multi=True)``.
    :return: per file, ``(input name, the browser's file name, what was stored or the refusal)``;
        what to do with a refusal (keep the other fields, or stop) is the caller's.
    """
    used = case_quota.used_bytes
    held = person_quota.used_bytes if person_quota is not None else 0
    for input_name, upload in files:
        if not upload.filename:
            continue
        outcome: StoredUpload | UploadError
        try:
            person = PersonQuota(person_quota.max_bytes, held) if person_quota is not None else None
            outcome = receive(storage, upload.stream, max_bytes=max_bytes, display_name=upload.filename,
                              scanner=scanner, case_quota=CaseQuota(case_quota.max_bytes, used), person_quota=person)
            used += outcome.size
            held += outcome.size
        except UploadError as e:
            outcome = e
        finally:
            upload.close()
        yield input_name, upload.filename, outcome
