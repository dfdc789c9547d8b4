"""Start, read and steer process instances."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import defer

from engine.api.auth import current_actor, requires
from engine.api.v1 import next_tasks
from engine.api.v1.edge import Blueprint, WithExtra, max_case_bytes, page_body, paginate, runtime, transaction
from engine.api.v1.schemas import (
    EventPageSchema,
    InstanceDetailSchema,
    InstancePageSchema,
    InstanceQueryArgs,
    InstanceRefSchema,
    InstanceSchema,
    MigrateArgs,
    PageArgs,
    StartArgs,
    StartedSchema,
    TerminateArgs,
)
from engine.casefile import expediente
from engine.db import db
from engine.models import AuditEvent, Instance, Subscription
from engine.web import idempotency
from engine.workflow import forms_io, instances, migration, testcases

bp = Blueprint("api_instances", __name__, url_prefix="/api/v1", description="Instancias (expedientes)")


@bp.post("/processes/<key>/instances")
@requires("start")
@bp.arguments(StartArgs)
@bp.response(201, StartedSchema)
@bp.alt_response(200, schema=StartedSchema, description="Repetición con la misma Idempotency-Key.")
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"}, "required": False}])
def start(args: dict[str, Any], key: str) -> Any:
    """Start a case; an ``Idempotency-Key`` makes a retry return the same instance.

    The answer lists in ``next_tasks`` the tasks the start made ready that the caller may see.
    Each file reference in the data joins the case file before the first step, as a file of the
    portal's start form does.
    """
    actor = current_actor().name
    idem_key = request.headers.get("Idempotency-Key")
    with transaction() as ctx:

        def produce() -> tuple[int, dict[str, Any]]:

            def file_documents(case: Instance) -> None:
                if next(expediente.file_refs(args["data"]), None) is None:
                    return
                # Titled by the start form's fields, as the same files handed in on the portal are.
                for new in expediente.stored_files(args["data"], runtime().documents.store, kind="uploaded",
                                                   schema=forms_io.start_form(case.deployment)[0],
                                                   max_case_bytes=max_case_bytes()):
                    expediente.add_document(case.id, new, actor)

            with instances.tasks_made_ready() as made_ready:
                instance = instances.start(ctx, key, args["data"], actor, args["business_key"],
                                           on_created=file_documents)
            return 201, StartedSchema().dump(WithExtra(instance, next_tasks=next_tasks.visible(made_ready)))

        if idem_key:
            status, body, _ = idempotency.once(f"start:{actor}:{key}", idem_key, args, produce, replay_status=200)
        else:
            status, body = produce()
    # Already dumped (and stored as such for a replay): dumping again would drop nested
    # attributes read through relations (a next task's case number).
    return jsonify(body), status


@bp.get("/instances")
@requires("read")
@bp.arguments(InstanceQueryArgs, location="query")
@bp.response(200, InstancePageSchema)
def list_instances(args: dict[str, Any]) -> Any:
    """Instances filtered by process, status, business key and creation time."""
    # A list shows no case's data nor its serialized workflow (the largest columns).
    query = select(Instance).options(defer(Instance.state), defer(Instance.data)).order_by(Instance.created_at.desc())
    if not args["test_cases"]:
        query = query.where(testcases.real_instances())
    if "process" in args:
        query = query.where(Instance.process_key == args["process"])
    if "status" in args:
        query = query.where(Instance.status == args["status"])
    if "business_key" in args:
        query = query.where(Instance.business_key == args["business_key"])
    if "created_after" in args:
        query = query.where(Instance.created_at >= args["created_after"])
    if "created_before" in args:
        query = query.where(Instance.created_at < args["created_before"])
    items, total = paginate(query, args["page"], args["per_page"])
    return page_body(items, total, args["page"], args["per_page"])


@bp.get("/instances/<instance_id>")
@requires("read")
@bp.response(200, InstanceDetailSchema)
def get_instance(instance_id: str) -> Any:
    """Status, version, data, ready tasks, message subscriptions, next timer, incidents."""
    instance = instances.get_to_read(instance_id)
    subscriptions = db.session.scalars(select(Subscription).where(Subscription.instance_id == instance.id)).all()
    return WithExtra(instance, tasks=instances.ready_tasks(instance), subscriptions=subscriptions,
                     incidents=instances.open_incidents(instance))


@bp.get("/instances/<instance_id>/events")
@requires("read")
@bp.arguments(PageArgs, location="query")
@bp.response(200, EventPageSchema)
def events(args: dict[str, Any], instance_id: str) -> Any:
    """The case's audit trail, oldest first."""
    instances.get(instance_id)
    query = select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    items, total = paginate(query, args["page"], args["per_page"])
    return page_body(items, total, args["page"], args["per_page"])


@bp.post("/instances/<instance_id>:suspend")
@requires("admin")
@bp.response(200, InstanceRefSchema)
def suspend(instance_id: str) -> Any:
    """Suspend: no task may be completed and no timer fires until it is resumed."""
    with transaction():
        return instances.suspend(instance_id, current_actor().name)


@bp.post("/instances/<instance_id>:resume")
@requires("admin")
@bp.response(200, InstanceRefSchema)
def resume(instance_id: str) -> Any:
    with transaction() as ctx:
        return instances.resume(ctx, instance_id, current_actor().name)


@bp.post("/instances/<instance_id>:terminate")
@requires("admin")
@bp.arguments(TerminateArgs)
@bp.response(200, InstanceRefSchema)
def terminate(args: dict[str, Any], instance_id: str) -> Any:
    with transaction() as ctx:
        return instances.terminate(ctx, instance_id, current_actor().name, args["reason"])


@bp.post("/instances/<instance_id>:migrate")
@requires("admin")
@bp.arguments(MigrateArgs)
@bp.response(200, InstanceSchema)
def migrate(args: dict[str, Any], instance_id: str) -> Any:
    """Move a waiting instance to another version of its process (refused with reasons)."""
    with transaction() as ctx:
        return migration.migrate(ctx, instance_id, args["version"], current_actor().name)
