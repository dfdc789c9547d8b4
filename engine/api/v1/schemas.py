"""Marshmallow schemas of the REST API (request bodies, query strings and answers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from engine.api.v1.edge import MAX_PAGE
from engine.api.v1.wording import Length, OneOf, Range, Schema
from engine.errors import DataInvalid
from engine.identity.tokens import SCOPES
from engine.models import INSTANCE_STATUSES
from engine.workflow import buffer


def within_the_calendar(moment: datetime) -> None:
    """A filter's moment must exist in UTC too (``0001-01-01T00:00+03:00`` does not: year 0)."""
    try:
        moment.astimezone(UTC)
    except OverflowError as e:
        raise ValidationError("La fecha está fuera del calendario.") from e

class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=Range(
        min=1, max=MAX_PAGE, error="La página debe ser un número entre {min} y {max}."))
    per_page = fields.Integer(load_default=20, validate=Range(
        min=1, max=200, error="«per_page» debe ser un número entre {min} y {max}."))


class PageSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class DeploymentSchema(Schema):
    id = fields.String()
    key = fields.String()
    version = fields.Integer()
    name = fields.String()
    category = fields.String(allow_none=True)
    processes = fields.List(fields.String())
    deployed_at = fields.DateTime()
    deployed_by = fields.String()
    warnings = fields.List(fields.Dict())


class DocumentSchema(Schema):
    id = fields.String()
    folio = fields.Integer()
    kind = fields.String()
    title = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    author = fields.String()
    created_at = fields.DateTime()


class ProcessSummarySchema(Schema):
    key = fields.String()
    name = fields.String()
    category = fields.String(allow_none=True)
    latest_version = fields.Integer()
    description = fields.String(allow_none=True)


class ProcessPageSchema(PageSchema):
    items = fields.List(fields.Nested(ProcessSummarySchema))


class ProcessDetailSchema(Schema):
    key = fields.String()
    name = fields.String()
    manifest = fields.Dict()
    versions = fields.List(fields.Nested(DeploymentSchema))
    start_form = fields.Dict(allow_none=True)
    start_ui_form = fields.Dict(allow_none=True)


#: What the OpenAPI document says of the files a start's or a completion's data refers to.
FILES_IN_DATA = ("Los datos del formulario. Un campo de archivo (formato «documento» o «data-url») lleva la "
                 "referencia a un archivo ya guardado en la plataforma: {key, name, content_type, size, sha256}, "
                 "con key igual a sha256; cada archivo se agrega al expediente (un documento por archivo, con su "
                 "SHA-256 y el evento document_added), y una referencia a un archivo que la plataforma no guarda "
                 "así se rechaza con 422 y el puntero del campo.")


class FileReferenceSchema(Schema):
    key = fields.String(metadata={"description": "La clave del archivo guardado: su SHA-256."})
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class StartArgs(Schema):
    data = fields.Dict(load_default=dict, metadata={"description": FILES_IN_DATA})
    business_key = fields.String(load_default=None, allow_none=True, validate=Length(max=200))


class InstanceRefSchema(Schema):
    id = fields.String()
    number = fields.String()
    status = fields.String()


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.String()
    number = fields.String(attribute="instance.number")
    process_key = fields.String()
    element_id = fields.String()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    candidate_group = fields.String(allow_none=True)
    for_applicant = fields.Boolean()
    assignee = fields.String(allow_none=True)
    priority = fields.Integer()
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


class CompletedTaskSchema(TaskSchema):
    next_tasks = fields.List(fields.Nested(TaskSchema), metadata={
        "description": "Las tareas que quedaron listas al completar esta y que quien llama puede ver."})


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True)
    ui_form = fields.Dict(allow_none=True)
    data = fields.Dict()
    instructions = fields.String(allow_none=True)


class StartedSchema(InstanceRefSchema):
    next_tasks = fields.List(fields.Nested(TaskSchema), metadata={
        "description": "Las tareas que quedaron listas al iniciar el caso y que quien llama puede ver."})


class TaskPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSchema))


class TaskQueryArgs(PageArgs):
    candidate_group = fields.String(metadata={
        "description": "Group id (mesa_entradas) or a lane's name as written (Mesa de Entradas)."})
    assignee = fields.String()
    status = fields.String(load_default="ready", validate=OneOf(["ready", "completed", "cancelled"]))
    process = fields.String()
    due_before = fields.AwareDateTime(default_timezone=None, validate=within_the_calendar)
    sort = fields.String(load_default="due_at",
                         validate=OneOf(["due_at", "-due_at", "created_at", "-created_at",
                                                  "priority", "-priority"]))
    test_cases = fields.Boolean(load_default=False, metadata={
        "description": "Include analysts' test cases (left out by default, as from inboxes and figures)."})


class IncidentSchema(Schema):
    id = fields.String()
    instance_id = fields.String()
    element_id = fields.String(allow_none=True)
    kind = fields.String()
    message = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_retry_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class IncidentPageSchema(PageSchema):
    items = fields.List(fields.Nested(IncidentSchema))


class SubscriptionSchema(Schema):
    message_name = fields.String()
    correlation = fields.Dict()


class InstanceSchema(Schema):
    id = fields.String()
    number = fields.String()
    is_test = fields.Boolean()
    process_key = fields.String()
    version = fields.Integer()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    started_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    next_timer_at = fields.DateTime(allow_none=True)


class InstanceDetailSchema(InstanceSchema):
    data = fields.Dict()
    tasks = fields.List(fields.Nested(TaskSchema))
    subscriptions = fields.List(fields.Nested(SubscriptionSchema))
    incidents = fields.List(fields.Nested(IncidentSchema))


class InstancePageSchema(PageSchema):
    items = fields.List(fields.Nested(InstanceSchema))


class TestCaseSchema(InstanceRefSchema):
    """A test case: its clock runs ``clock_offset`` seconds ahead of the platform's."""

    is_test = fields.Boolean()
    clock_offset = fields.Integer(metadata={"description": "Segundos que el reloj del caso va adelantado."})
    next_timer_at = fields.DateTime(allow_none=True, metadata={"description": "En el reloj de la plataforma."})


class ClockArgs(Schema):
    """One of the two: a duration, or business days by the city's holiday calendar."""

    advance = fields.Raw(metadata={
        "description": "Cuánto adelantar: duración ISO 8601 (P3D, PT5H, P1W) o segundos.", "example": "P3D"})
    business_days = fields.Integer(metadata={
        "description": "O bien: días hábiles a adelantar (feriados y fines de semana no cuentan).", "example": 10})

    @validates_schema
    def one_of_the_two(self, data: dict[str, Any], **_: Any) -> None:
        if ("advance" in data) == ("business_days" in data):
            raise ValidationError("Indique «advance» o «business_days» (uno de los dos).", "_schema")


class InstanceQueryArgs(PageArgs):
    process = fields.String()
    status = fields.String(validate=OneOf(INSTANCE_STATUSES))
    business_key = fields.String()
    created_after = fields.AwareDateTime(default_timezone=None, validate=within_the_calendar)
    created_before = fields.AwareDateTime(default_timezone=None, validate=within_the_calendar)
    test_cases = fields.Boolean(load_default=False, metadata={
        "description": "Include analysts' test cases (left out by default, as from inboxes and figures)."})


class EventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    type = fields.String()
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    data = fields.Dict()


class EventPageSchema(PageSchema):
    items = fields.List(fields.Nested(EventSchema))


class CompleteArgs(Schema):
    data = fields.Dict(load_default=dict, metadata={"description": FILES_IN_DATA + " Un archivo que el expediente "
                                                                                   "ya tiene no se agrega de nuevo."})


class AssignArgs(Schema):
    assignee = fields.String(required=True, validate=Length(min=1, max=200))


class TerminateArgs(Schema):
    reason = fields.String(load_default="", validate=Length(max=1000))


class MigrateArgs(Schema):
    version = fields.Integer(required=True, validate=Range(min=1))


class TimeToLive(fields.Field):
    """Seconds (a number or digits) or an ISO 8601 duration, up to the buffer's bound; loads a ``timedelta``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> timedelta:
        try:
            return buffer.parse_ttl(value)
        except DataInvalid as e:
            raise ValidationError(e.message) from e


class MessageArgs(Schema):
    correlation = fields.Dict(load_default=dict)
    data = fields.Dict(load_default=dict)
    message_id = fields.String(load_default=None, allow_none=True, validate=Length(max=200))
    ttl = TimeToLive(load_default=None, allow_none=True, metadata={
        "oneOf": [{"type": "integer", "minimum": 1, "maximum": int(buffer.MAX_TTL.total_seconds())},
                  {"type": "string", "example": "P3D"}],
        "description": "Si ninguna instancia espera el mensaje, guardarlo este tiempo (segundos o duración "
                       f"ISO 8601, hasta {buffer.MAX_TTL.days} días) y entregarlo cuando una llegue a esperarlo."})


class KeptRefSchema(Schema):
    """A kept message in the answer; plain text already (the answer is stored for idempotent replays)."""

    id = fields.String()
    expires_at = fields.String(metadata={"format": "date-time"})


class MessageResultSchema(Schema):
    started = fields.Boolean()
    instances = fields.List(fields.Nested(InstanceRefSchema))
    buffered = fields.Nested(KeptRefSchema, allow_none=True)


class BufferedMessageSchema(Schema):
    id = fields.String()
    name = fields.String()
    correlation = fields.Dict()
    payload = fields.Dict()
    message_id = fields.String(allow_none=True)
    sender = fields.String()
    received_at = fields.DateTime()
    expires_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    instance_id = fields.String(allow_none=True)


class BufferedMessagePageSchema(PageSchema):
    items = fields.List(fields.Nested(BufferedMessageSchema))


class BufferedMessageArgs(PageArgs):
    name = fields.String(load_default=None, validate=Length(max=200))
    status = fields.String(load_default="pending", validate=OneOf(
        ("pending", "delivered", "all"), error="«status» debe ser «pending», «delivered» o «all»."))


class TokenArgs(Schema):
    name = fields.String(required=True)
    scopes = fields.List(fields.String(validate=OneOf(SCOPES)), required=True)
