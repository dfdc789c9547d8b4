"""The files of a start form sent by staff or by an analyst's test case, received as every upload is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from flask import request

import forms
from engine import audit
from engine.casefile import drafts
from engine.identity.accounts import User
from engine.uow import unit_of_work
from storage.antivirus import ClamdScanner
from storage.base import Storage
from storage.uploads import MB, CaseQuota, UploadError, receive_each
from worklists import web

DEFAULT_CASE_MB = 100  # as the portal's uploads


@dataclass
class Received:
    """The files of a post: references by input name, refusals by JSON pointer."""

    refs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def receive_files(person: User, scope: str) -> Received:
    """Store each uploaded file (checked by content, size, antivirus and the case's quota).

    A stored file becomes the person's pending upload of ``scope`` (only such uploads may
    join the case); a refused one leaves an ``upload_refused`` audit event and a message for
    its field, so the rest of the form is kept.
    """
    rt = web.runtime()
    clamd = rt.settings.get("CLAMD_URL")
    scanner = ClamdScanner.from_url(clamd) if clamd else None
    found = Received()
    received = receive_each(cast(Storage, rt.documents.store), request.files.items(multi=True), max_bytes=file_bytes(),
                            case_quota=CaseQuota(case_bytes(), drafts.pending_bytes(person.id, scope)),
                            scanner=scanner)
    for input_name, name, outcome in received:
        if isinstance(outcome, UploadError):
            with unit_of_work():
                audit.record("upload_refused", person.username, data={"reason": outcome.reason, "name": name[:300]})
            found.errors.setdefault(input_name.lstrip("$"), []).append(outcome.public_message)
            continue
        with unit_of_work():
            found.refs[input_name] = drafts.record_upload(
                person.id, scope, key=outcome.key, name=outcome.display_name, content_type=outcome.content_type,
                size=outcome.size)
    return found


def file_bytes() -> int:
    return int(web.runtime().settings.get("MAX_UPLOAD_MB") or 25) * MB


def case_bytes() -> int:
    return int(web.runtime().settings.get("MAX_CASE_MB") or DEFAULT_CASE_MB) * MB


@dataclass
class StartForm:
    """A start form as posted: its data, the labels of the choices and the messages by field."""

    data: dict[str, Any]
    choices: Any
    errors: dict[str, list[str]]


def read_start_form(schema: dict[str, Any] | None, ui: dict[str, Any] | None, received: Received) -> StartForm:
    """Parse and validate the posted start form, the refused uploads' messages beside their fields."""
    data = forms.parse_submission(schema, request.form, received.refs, ui) if schema is not None else {}
    data = data if isinstance(data, dict) else {}
    choices = forms.read_choices(schema, request.form, ui) if schema is not None else {}
    errors: dict[str, list[str]] = dict(forms.validate(schema, data, choices)) if schema is not None else {}
    for pointer, messages in received.errors.items():
        errors.setdefault(pointer, []).extend(messages)
    return StartForm(data, choices, errors)
