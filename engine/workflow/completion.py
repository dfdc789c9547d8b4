"""Completing a human task: the one use case behind the staff task page, the citizen's task page and the API.

Each front turns its request into a :class:`Submission`; here it is validated once against the
task's form (with the files it names), its files join the case file and the task completes,
inside the caller's transaction. A refusal is an :class:`~engine.errors.EngineError` that each
front shows its own way: errors next to the fields, a 409 page, a problem document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import forms
from engine.casefile import drafts, expediente
from engine.casefile.expediente import NewDocument
from engine.casefile.models import PendingUpload
from engine.errors import DataInvalid
from engine.models import Task
from engine.ports import DocumentStore
from engine.workflow import forms_io, human_tasks
from engine.workflow.human_tasks import Actor
from engine.workflow.step import EngineContext

FieldErrors = dict[str, list[str]]
NOT_AN_OBJECT = "Se esperaba un objeto."


@dataclass(frozen=True)
class EarlierUploads:
    """Files a person uploaded before sending the form (the portal's one-file uploads), by scope."""

    user_id: str
    scope: str


@dataclass(frozen=True)
class Submission:
    """What a person sends to complete a task.

    ``choices`` are the alternatives picked on screen (``forms.read_choices``), so errors name
    the fields the person saw; ``attached`` are files received with the submission itself;
    ``earlier`` names where the files the data refers to were uploaded before; ``stored``, for
    data that comes with no upload of its own (the REST API), is the store whose objects the
    data's file references name (each joins the case file unless the case has it already), and
    ``max_case_bytes`` what the case's documents may add up to with them (``MAX_CASE_MB``).
    """

    data: Any
    choices: Mapping[str, int] = field(default_factory=dict)
    attached: tuple[NewDocument, ...] = ()
    earlier: EarlierUploads | None = None
    stored: DocumentStore | None = None
    max_case_bytes: int | None = None


@dataclass
class _Review:
    errors: FieldErrors
    uploads: list[tuple[str, PendingUpload]]
    schema: dict[str, Any] | None = None
    stored: list[NewDocument] = field(default_factory=list)


def problems(task: Task, submission: Submission) -> FieldErrors:
    """The submission's problems by field pointer, without completing anything (empty: none)."""
    return _review(task, submission).errors


def complete_task(ctx: EngineContext, task_id: str, submission: Submission, actor: Actor) -> Task:
    """Complete the task with the submission and run the process on (the caller commits).

    :raises NotFound: when the task does not exist or the actor may not see it.
    :raises Conflict: when it is no longer ready, or it is someone else's.
    :raises DataInvalid: with one error per field pointer and message.
    """
    task = human_tasks.workable(task_id, actor)
    review = _review(task, submission)
    if review.errors:
        raise DataInvalid("Hay datos que corregir en el formulario.", errors=[
            {"pointer": pointer, "message": message}
            for pointer, messages in sorted(review.errors.items()) for message in messages])
    for new in (*submission.attached, *review.stored):
        expediente.add_document(task.instance_id, new, actor.name, task_id=task.id)
    if submission.earlier is not None:
        drafts.claim_files(task.instance_id, review.uploads, actor.name, submission.earlier.scope,
                           submission.earlier.user_id, task_id=task.id, schema=review.schema)
    return human_tasks.finish(ctx, task, submission.data, actor)


def field_errors(error: DataInvalid) -> FieldErrors:
    """A refusal's errors by field pointer, as a form shows them (the message when none has a field)."""
    found: FieldErrors = {}
    for item in error.errors:
        found.setdefault(str(item.get("pointer", "")), []).append(str(item.get("message", error.message)))
    return found or {"": [error.message]}


def _review(task: Task, submission: Submission) -> _Review:
    if not isinstance(submission.data, dict):
        return _Review({"": [NOT_AN_OBJECT]}, [])
    schema = forms_io.task_form(task)[0]
    errors = dict(forms.validate(schema, submission.data, submission.choices)) if schema is not None else {}
    uploads: list[tuple[str, PendingUpload]] = []
    if submission.earlier is not None:
        try:
            uploads = drafts.check_files(submission.earlier.user_id, submission.earlier.scope, submission.data)
        except DataInvalid as e:
            for pointer, messages in field_errors(e).items():
                errors.setdefault(pointer, []).extend(messages)
    stored: list[NewDocument] = []
    if submission.stored is not None and next(expediente.file_refs(submission.data), None) is not None:
        on_file = {document.storage_key for document in expediente.documents(task.instance_id)}
        try:
            stored = expediente.stored_files(submission.data, submission.stored, kind="attached", skip=on_file,
                                             max_case_bytes=submission.max_case_bytes,
                                             used_bytes=drafts.case_bytes(task.instance_id))
        except DataInvalid as e:
            for pointer, messages in field_errors(e).items():
                errors.setdefault(pointer, []).extend(messages)
    return _Review(errors, uploads, schema, stored)
