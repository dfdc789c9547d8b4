"""Human tasks over the API: list, read, claim, release, assign, complete."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine.api.auth import current_actor, requires
from engine.api.v1 import next_tasks
from engine.api.v1.edge import (
    Blueprint,
    Snapshot,
    WithExtra,
    max_case_bytes,
    page_body,
    paginate,
    runtime,
    transaction,
)
from engine.api.v1.schemas import (
    AssignArgs,
    CompleteArgs,
    CompletedTaskSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQueryArgs,
    TaskSchema,
)
from engine.models import Instance, Task
from engine.workflow import completion, forms_io, human_tasks, instances, testcases
from engine.workflow.tasks import group_of_lane

bp = Blueprint("api_tasks", __name__, url_prefix="/api/v1", description="Tareas humanas")

SORTS = {"due_at": Task.due_at, "created_at": Task.created_at, "priority": Task.priority}


@bp.get("/tasks")
@requires("read")
@bp.arguments(TaskQueryArgs, location="query")
@bp.response(200, TaskPageSchema)
def list_tasks(args: dict[str, Any]) -> Any:
    """Tasks filtered by candidate group, assignee, status, process and due date; paginated and sorted."""
    # A listed task shows its case's number: the case's serialized workflow and data stay unread.
    query = select(Task).options(joinedload(Task.instance).load_only(Instance.number)).where(
        Task.status == args["status"])
    if not args["test_cases"]:
        query = query.where(testcases.real_tasks())
    if "candidate_group" in args:
        # a lane's name as written («Mesa de Entradas») or the group id (mesa_entradas)
        wanted = args["candidate_group"]
        query = query.where(Task.candidate_group.in_(sorted({wanted, group_of_lane(wanted)})))
    if "assignee" in args:
        query = query.where(Task.assignee == args["assignee"])
    if "process" in args:
        query = query.where(Task.process_key == args["process"])
    if "due_before" in args:
        query = query.where(Task.due_at < args["due_before"])
    sort = args["sort"]
    column = SORTS[sort.lstrip("-")]
    query = query.order_by(column.desc() if sort.startswith("-") else column.asc(), Task.created_at, Task.id)
    items, total = paginate(query, args["page"], args["per_page"])
    return page_body(items, total, args["page"], args["per_page"])


@bp.get("/tasks/<task_id>")
@requires("read")
@bp.response(200, TaskDetailSchema)
def get_task(task_id: str) -> Any:
    """A task with its form schema, UI schema and the case's current data."""
    task = human_tasks.get(task_id)
    schema, ui_schema = forms_io.task_form(task)
    own = task.data if task.data is not None else task.instance.data
    return WithExtra(task, form=schema, ui_form=ui_schema, data=own)


@bp.post("/tasks/<task_id>/claim")
@requires("tasks")
@bp.response(200, TaskSchema)
def claim(task_id: str) -> Any:
    with transaction():
        return Snapshot(human_tasks.claim(task_id, _service_actor()), "instance")


@bp.post("/tasks/<task_id>/unclaim")
@requires("tasks")
@bp.response(200, TaskSchema)
def unclaim(task_id: str) -> Any:
    with transaction():
        return Snapshot(human_tasks.unclaim(task_id, _service_actor()), "instance")


@bp.post("/tasks/<task_id>/assign")
@requires("tasks")
@bp.arguments(AssignArgs)
@bp.response(200, TaskSchema)
def assign(args: dict[str, Any], task_id: str) -> Any:
    with transaction():
        task = human_tasks.assign(task_id, args["assignee"], replace(_service_actor(), supervisor=True))
        return Snapshot(task, "instance")


@bp.post("/tasks/<task_id>/complete")
@requires("tasks")
@bp.arguments(CompleteArgs)
@bp.response(200, CompletedTaskSchema)
def complete(args: dict[str, Any], task_id: str) -> Any:
    """Complete a task with data validated against its form; 409 when it is no longer ready.

    The answer lists in ``next_tasks`` the tasks the completion made ready that the caller may see.
    Each file reference in the data joins the case file, as a file uploaded with the staff's task form.
    """
    submission = completion.Submission(args["data"], stored=runtime().documents.store,
                                       max_case_bytes=max_case_bytes())
    with transaction() as ctx:  # the answer is taken before the commit: no reading back after it
        with instances.tasks_made_ready() as made_ready:
            task = completion.complete_task(ctx, task_id, submission, _service_actor())
        return WithExtra(Snapshot(task, "instance"), next_tasks=next_tasks.visible(made_ready))


def _service_actor() -> human_tasks.Actor:
    """A ``tasks`` token acts on group tasks (never on a citizen's own tasks); ``admin`` on any task."""
    actor = current_actor()
    return actor if actor.admin else human_tasks.Actor(actor.name, any_group=True)
