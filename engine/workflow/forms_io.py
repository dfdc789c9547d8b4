"""The forms of a deployment: loading schemas from its files and validating submissions."""

from __future__ import annotations

import json
from typing import Any

import forms
from engine.errors import DataInvalid, NotFound
from engine.models import Deployment, Task
from engine.workflow import deployments


def load_json(deployment: Deployment, name: str | None) -> dict[str, Any] | None:
    """Read a JSON file of the deployment (a form schema or UI schema); ``None`` when unnamed."""
    if not name:
        return None
    raw = deployments.file(deployment, name)
    if raw is None:
        raise NotFound(f"El formulario «{name}» no está en la versión {deployment.version} del proceso.")
    document: dict[str, Any] = json.loads(raw.decode("utf-8"))
    return document


def start_form(deployment: Deployment) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The start form's schema and UI schema, when the procedure declares one in its manifest."""
    manifest = deployment.manifest or {}
    return load_json(deployment, manifest.get("start_form")), load_json(deployment, manifest.get("start_ui_form"))


def task_form(task: Task) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The task's schema and UI schema; options the schema takes from the task's data
    (``options_from_task_data_var:<name>``) are filled in from the data it had when it became ready."""
    deployment = task.instance.deployment
    schema = load_json(deployment, task.form)
    if schema is not None:
        schema = forms.with_task_options(schema, task.data or {})
    return schema, load_json(deployment, task.ui_form)


def check(schema: dict[str, Any] | None, data: dict[str, Any]) -> None:
    """Validate data against a form schema.

    :raises DataInvalid: with one entry per field pointer and message.
    """
    if not isinstance(data, dict):
        raise DataInvalid("Los datos deben ser un objeto JSON.",
                          errors=[{"pointer": "", "message": "Se esperaba un objeto."}])
    if schema is None:
        return
    problems = forms.validate(schema, data)
    if problems:
        errors = [{"pointer": pointer, "message": message}
                  for pointer, messages in sorted(problems.items()) for message in messages]
        raise DataInvalid("Hay datos que corregir en el formulario.", errors=errors)


def validate_start(deployment: Deployment, data: dict[str, Any]) -> None:
    check(start_form(deployment)[0], data)
