"""Receiving the files of a form: checked while they stream, refused in Spanish with an audit event.

Two ways in, one rule. With JavaScript, each file goes alone as the raw body of an
XMLHttpRequest (``upload_one``), so the page can show its progress and the limit is enforced
while it streams. Without JavaScript, the files travel inside the form's multipart post
(``upload_form_files``). Either way :func:`storage.uploads.receive` decides (size per file, per
case and per person, type by content, antivirus when ``CLAMD_URL`` is set) and every refusal
leaves an ``upload_refused`` audit event with the reason, the size and the name the browser gave.

The per-person limit (``MAX_PERSON_PENDING_MB``) bounds what a person holds outside cases:
every upload not handed in yet, whatever its form, drafts included (``drafts.held_bytes``).
It is checked while the file streams and again, counted one upload after the other, when the
upload is recorded, so parallel uploads cannot slip past it together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine import audit
from engine.casefile import drafts
from engine.errors import QuotaExceeded
from engine.identity.accounts import User
from engine.uow import unit_of_work
from engine.web.request import runtime
from storage.antivirus import ClamdScanner
from storage.base import Storage
from storage.uploads import (
    MB,
    CaseQuota,
    PersonFull,
    PersonQuota,
    StoredUpload,
    UploadError,
    format_size,
    person_full_message,
    receive,
    receive_each,
)

DEFAULT_CASE_MB = 100
DEFAULT_PERSON_MB = 200
#: How much more than the files a multipart post may carry (the other fields).
FORM_SLACK = MB


@dataclass
class Received:
    """What a form post brought: references by input name, and refusals by JSON pointer."""

    refs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def still_uploading(form: MultiDict[str, str]) -> str | None:
    """The message for a form sent while the progress-bar script was still sending a file.

    The script blocks such a submit; should one get through, the form comes back with what
    the person typed and this message, instead of starting without the file.
    """
    if form.get("subidas_pendientes", "0").strip() in ("", "0"):
        return None
    return _("Espere a que termine la carga del archivo y vuelva a enviar el formulario.")


def max_file_bytes() -> int:
    return int(_settings().get("MAX_UPLOAD_MB") or 25) * MB


def max_case_bytes() -> int:
    raw = _settings().get("MAX_CASE_MB") or DEFAULT_CASE_MB
    try:
        return max(1, int(raw)) * MB
    except (TypeError, ValueError):
        return DEFAULT_CASE_MB * MB


def max_person_bytes() -> int:
    raw = _settings().get("MAX_PERSON_PENDING_MB") or DEFAULT_PERSON_MB
    try:
        return max(1, int(raw)) * MB
    except (TypeError, ValueError):
        return DEFAULT_PERSON_MB * MB


def person_quota(user: User) -> PersonQuota:
    """What the person may still hold in files not handed in yet."""
    return PersonQuota(max_person_bytes(), drafts.held_bytes(user.id))


def allow_large_bodies() -> None:
    """Let this request's body reach the streaming checks (they refuse with a message, Flask with a bare 413)."""
    request.max_content_length = max_case_bytes() + FORM_SLACK


def upload_one(user: User, scope: str, used_bytes: int, instance_id: str | None = None) -> dict[str, Any]:
    """Receive the request's raw body as one file of ``scope``; return the reference the form keeps.

    :raises UploadError: after recording the refusal (committed).
    """
    name = unquote(request.headers.get("X-File-Name", ""))
    stored = _receive(user, request.stream, name, used_bytes, instance_id, request.content_length)
    return _record(user, scope, stored, name, instance_id)


def upload_form_files(user: User, scope: str, used_bytes: int, instance_id: str | None = None) -> Received:
    """Receive every file input of a multipart post (the no-JavaScript path)."""
    found = Received()
    received = receive_each(cast(Storage, runtime().documents.store), request.files.items(multi=True),
                            max_bytes=max_file_bytes(), case_quota=CaseQuota(max_case_bytes(), used_bytes),
                            person_quota=person_quota(user), scanner=_scanner())
    for input_name, name, outcome in received:
        refusal: UploadError
        if isinstance(outcome, UploadError):
            _record_refusal(user, outcome.reason, _refused_size(outcome, None), name, instance_id)
            refusal = outcome
        else:
            try:
                found.refs[input_name] = _record(user, scope, outcome, name, instance_id)
                continue
            except PersonFull as e:
                refusal = e
        found.errors.setdefault(input_name.lstrip("$"), []).append(refusal.public_message)
    return found


def _record(user: User, scope: str, stored: StoredUpload, name: str, instance_id: str | None) -> dict[str, Any]:
    """Keep the received file as the person's upload of ``scope``, within the person's quota.

    :raises PersonFull: after recording the refusal, when parallel uploads took the room first
        (the object stays unreferenced: the sweep deletes it).
    """
    try:
        with unit_of_work():
            return drafts.record_upload(user.id, scope, key=stored.key, name=stored.display_name,
                                        content_type=stored.content_type, size=stored.size,
                                        max_held_bytes=max_person_bytes())
    except QuotaExceeded as e:
        refusal = PersonFull(person_full_message(PersonQuota(e.limit, e.held)))
        _record_refusal(user, refusal.reason, stored.size, name, instance_id)
        raise refusal from e


def refused_too_large(user: User | None, size: int | None, instance_id: str | None = None) -> str:
    """Record a body refused before any view read it (larger than any form may be); the Spanish message."""
    message = f"El archivo supera el tamaño máximo de {format_size(max_file_bytes())}."
    _record_refusal(user, "too_large", size, "", instance_id)
    return message


def _receive(user: User, stream: Any, name: str, used_bytes: int, instance_id: str | None,
             declared: int | None) -> StoredUpload:
    try:
        return receive(cast(Storage, runtime().documents.store), stream, max_bytes=max_file_bytes(),
                       display_name=name, scanner=_scanner(), case_quota=CaseQuota(max_case_bytes(), used_bytes),
                       person_quota=person_quota(user))
    except UploadError as e:
        _record_refusal(user, e.reason, _refused_size(e, declared), name, instance_id)
        raise


def _refused_size(error: UploadError, declared: int | None) -> Any:
    return error.details.get("size") or error.details.get("received_at_least") or declared


def _record_refusal(user: User | None, reason: str, size: Any, name: str, instance_id: str | None) -> None:
    with unit_of_work():
        audit.record("upload_refused", user.username if user else "anónimo", instance_id=instance_id,
                     data={"reason": reason, "size": size, "name": name[:300]})


def _scanner() -> ClamdScanner | None:
    url = _settings().get("CLAMD_URL")
    return ClamdScanner.from_url(url) if url else None


def _settings() -> Any:
    return runtime().settings
