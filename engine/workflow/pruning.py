"""Keep an instance's hot state flat: settled history leaves the task tree.

SpiffWorkflow keeps every executed task in the tree, so a correction loop grows the state
by every pass and deepens the tree until its iterator stops at depth 1,000 (a silent
stall). The history is in the audit trail already; after each step we remove what the
library can no longer need:

- a finished task whose only child is finished is spliced out (its child takes its place);
- a finished leaf under a finished parent is dropped.

What stays, because the library reads it later:

- the direct parent of every unfinished task (it inherits data from it);
- for a structured join (boundary events, start-event splits) waiting or to be reached,
  the split task it looks up with ``find_ancestor``;
- the instances of a join gateway while another instance of the same gateway is
  unfinished, and their parents (the join merges their data when it fires);
- tasks that own a running sub-process.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


def prune(top: BpmnWorkflow) -> int:
    """Remove settled history from the workflow and its sub-processes; return how many tasks went."""
    removed = 0
    for workflow in [top, *top.subprocesses.values()]:
        removed += _prune_workflow(workflow, top)
    return removed


def pending_engine_tasks(top: BpmnWorkflow) -> list[Task]:
    """READY tasks the engine should have run but did not reach.

    ``do_engine_steps`` walks the tree with an iterator that stops at depth 1,000, so a long
    automatic loop inside one step leaves READY tasks it never sees: after pruning they are
    reachable again; if pruning cannot flatten the tree, the caller must report an engine limit.
    """
    return [task for workflow in [top, *top.subprocesses.values()] for task in workflow.tasks.values()
            if task.has_state(TaskState.READY) and not task.task_spec.manual]


def _prune_workflow(workflow: BpmnWorkflow, top: BpmnWorkflow) -> int:
    keep = _protected(workflow, top)
    removed = 0
    # Children before parents, so a chain collapses in one pass.
    for task in sorted(workflow.tasks.values(), key=lambda t: t.depth, reverse=True):
        if task.id in keep or task.id not in workflow.tasks or task.parent is None:
            continue
        if not task.has_state(TaskState.FINISHED_MASK) or not task.parent.has_state(TaskState.FINISHED_MASK):
            continue
        children = task.children
        if not children:
            _forget(workflow, top, task)
            removed += 1
        elif len(children) == 1 and children[0].has_state(TaskState.FINISHED_MASK):
            _splice(workflow, top, task, children[0])
            removed += 1
    return removed


def _protected(workflow: BpmnWorkflow, top: BpmnWorkflow) -> set[UUID]:
    keep: set[UUID] = {workflow.task_tree.id}
    unfinished = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    live_join_specs = {t.task_spec.name for t in unfinished if isinstance(t.task_spec, UnstructuredJoin)}
    for task in unfinished:
        keep.add(task.id)
        if task.parent is not None:
            keep.add(task.parent.id)
        split = getattr(task.task_spec, "split_task", None)
        if isinstance(task.task_spec, Join) and split:
            ancestor = task.find_ancestor(split)
            if ancestor is not None:
                keep.add(ancestor.id)
    for task in workflow.tasks.values():
        if task.task_spec.name in live_join_specs:
            keep.add(task.id)
            if task.parent is not None:
                keep.add(task.parent.id)
        sub = top.subprocesses.get(task.id)
        if sub is not None and not sub.completed:
            keep.add(task.id)
    return keep


def _forget(workflow: BpmnWorkflow, top: BpmnWorkflow, task: Task) -> None:
    _drop_subprocess(top, task)
    task.parent._children.remove(task.id)
    del workflow.tasks[task.id]


def _splice(workflow: BpmnWorkflow, top: BpmnWorkflow, task: Task, child: Task) -> None:
    _drop_subprocess(top, task)
    parent = task.parent
    position = parent._children.index(task.id)
    parent._children[position] = child.id
    child._parent = parent.id
    if workflow.last_task is task:
        workflow.last_task = child
    del workflow.tasks[task.id]


def _drop_subprocess(top: BpmnWorkflow, task: Task) -> None:
    if task.id in top.subprocesses:
        top.delete_subprocess(task)
