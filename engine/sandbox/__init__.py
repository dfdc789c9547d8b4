"""The restricted interpreter for analysts' code: scripts, conditions, DMN cells, timer and
service-parameter expressions.

SpiffWorkflow's script engine delegates to an *environment*; the library's own
(``TaskDataEnvironment``) runs ``exec``/``eval`` with every builtin. :class:`SandboxedEnvironment`
keeps its data semantics (task data in, assigned names out, functions and helpers removed) but
compiles with RestrictedPython (:mod:`engine.sandbox.compiling`) and runs with curated builtins
(:mod:`engine.sandbox.builtins`) and guards that belong to one run (:mod:`engine.sandbox.running`):

- no imports, classes, names or attributes starting with ``_``, introspection attributes
  (``gi_frame``, ``f_globals``...), ``exec``/``eval``/``open``/``type``...; ``str.format`` goes
  through a formatter that applies the same attribute guard;
- an operation budget and a wall-clock deadline that a script cannot swallow with ``except``; a run
  whose last operation ended past the deadline fails too, so a long C call is an incident, never
  a late success;
- integer operations whose cost outgrows their result are estimated first (:mod:`bounds.limits`):
  bits of ``*``, ``**``, ``<<``, ``int()`` and ``int.from_bytes`` results, the work of
  ``pow(b, e, m)``, the digits of ``round``;
- size checks before the operations that amplify in one step, a running total of what they
  allocate, and an estimate of the text a container would become before it is written;
- after a run, the task data it leaves must stay within :attr:`Limits.data_size` characters as
  JSON would write them (a list that holds one big list a thousand times counts a thousand times),
  so no run hands the serializer a structure that would take minutes and gigabytes to write.

Limits that remain: one C-level call on data that is already within the limits (``sorted`` of a
million items, ``hash`` or ``==`` of a tuple that holds one big tuple many times) runs to its end
before the next check, and then fails the run; copies made by constructors and plain string methods (``list(x)``,
``s.upper()``) are not counted, so a loop that keeps such copies is bounded by the deadline only;
run workers under a memory limit (cgroup or ``RLIMIT_AS``). Python's recursion limit bounds
recursion.
"""

from __future__ import annotations

import copy
from decimal import localcontext
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from bounds.sizes import text_size
from engine.sandbox.builtins import DECIMAL_DIGITS
from engine.sandbox.compiling import FILENAME, ScriptError, check_compiles, compiled
from engine.sandbox.running import Limits, Run

__all__ = [
    "Limits", "SandboxedEnvironment", "SandboxedScriptEngine", "ScriptError", "check_compiles",
    "find_script_error", "task_error",
]

_RESERVED = frozenset(Run(Limits()).namespace())


def _line_of(error: BaseException) -> int | None:
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == FILENAME:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


_MESSAGE_LENGTH = 2000


def _describe(error: BaseException) -> str:
    """``Type: message`` of an error a script raised, without writing a huge argument out in full."""
    if any(text_size(arg, _MESSAGE_LENGTH) > _MESSAGE_LENGTH for arg in error.args):
        text = "(mensaje demasiado largo)"
    else:
        text = str(error)[:_MESSAGE_LENGTH]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class SandboxedEnvironment(TaskDataEnvironment):
    """``TaskDataEnvironment`` with RestrictedPython, guards and an execution budget.

    :param environment_globals: names every script sees (as the library's ``environment_globals``);
        trusted helpers of the platform, not analysts' code.
    :param limits: bounds of each run; :class:`Limits` defaults otherwise.
    """

    def __init__(self, environment_globals: dict[str, Any] | None = None, limits: Limits | None = None) -> None:
        super().__init__(environment_globals)
        self.limits = limits or Limits()

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate an expression over the task data (as ``TaskDataEnvironment.evaluate``).

        :raises ScriptError: when it is refused, fails or exceeds its limits.
        """
        namespace = copy.copy(self.globals)
        self._prepare_context(context)
        namespace.update(external_context or {})
        namespace.update(context)
        result = self._run(expression, "eval", namespace)
        self._check_size(result, "El resultado de la expresión es demasiado grande")
        return result

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        """Run a script with the task data as its globals; names it assigns become task data.

        :raises ScriptError: when it is refused, fails or exceeds its limits.
        """
        self.check_for_overwrite(context, external_context or {})
        my_globals = copy.copy(self.globals)
        self._prepare_context(context)
        my_globals.update(external_context or {})
        context.update(my_globals)
        try:
            self._run(script, "exec", context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        self._check_size(context, "Los datos que deja el script son demasiados para guardarlos")
        return True

    def _check_size(self, value: Any, message: str) -> None:
        """Refuse a result the serializer would take minutes and gigabytes to write."""
        limit = self.limits.data_size
        if text_size(value, limit) > limit:
            raise ScriptError(f"{message} (más de {limit} caracteres)")

    def check_for_overwrite(self, context: dict[str, Any], external_context: dict[str, Any]) -> None:
        """Refuse task data that would hide a helper or a guard (as the library does, with our names)."""
        clash = (set(self.globals) | set(external_context) | _RESERVED).intersection(context)
        if clash:
            raise ScriptError("los datos de la tarea usan nombres reservados: " + ", ".join(sorted(clash)))

    def _remove_globals_and_functions_from_context(self, context: dict[str, Any],
                                                   external_context: dict[str, Any] | None = None) -> None:
        super()._remove_globals_and_functions_from_context(context, external_context)
        for name in _RESERVED.intersection(context):
            del context[name]

    def _run(self, source: str, mode: str, namespace: dict[str, Any]) -> Any:
        code = compiled(source, mode)
        run = Run(self.limits)
        namespace.update(run.namespace())  # after the data: a data key never replaces a guard
        try:
            with localcontext(Emax=DECIMAL_DIGITS, Emin=-DECIMAL_DIGITS):
                result = eval(code, namespace)  # noqa: S307 - RestrictedPython output, guarded builtins only
        except Exception as e:
            line = _line_of(e)
            if run.failure is not None:  # whatever the script did after the budget ran out
                raise ScriptError(run.failure, line=run.failure_line) from e
            if isinstance(e, ScriptError):
                raise e.at_line(line) from None
            # The traceback keeps the script's frames, where the library looks for the line.
            raise ScriptError(_describe(e), line=line).with_traceback(e.__traceback__) from e
        run.check_after()
        return result


# --- SpiffWorkflow integration -----------------------------------------------------------------


def task_error(task: Any, error: ScriptError, source: str) -> WorkflowTaskException:
    """The library's task exception for ``error``, with our message, line and the element id.

    :param task: the SpiffWorkflow task whose script or expression failed.
    :param error: the sandbox's error; its ``element_id`` is set here.
    :param source: the script or expression, to quote the failing line.
    :return: an exception whose ``str()`` starts with ``str(error)``, ``.task`` is ``task`` and
        ``__cause__`` is ``error``.
    """
    error.element_id = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
    lines = source.splitlines() if isinstance(source, str) else []
    quoted = lines[error.line - 1] if error.line and error.line <= len(lines) else ""
    wrapped = WorkflowTaskException(str(error), task=task, exception=error, line_number=error.line or 0,
                                    error_line=quoted)
    wrapped.__cause__ = error
    return wrapped


class SandboxedScriptEngine(PythonScriptEngine):
    """``PythonScriptEngine`` on a :class:`SandboxedEnvironment` whose errors keep our message.

    The library wraps an evaluation error as "Error evaluating expression …" and drops its text;
    here both ``evaluate`` and ``execute`` raise ``WorkflowTaskException`` with the
    :class:`ScriptError`'s message, its line, ``.task`` set and the error as ``__cause__``.
    ``call_service`` is the library's (broken in 3.2.0): subclasses override it.

    :param environment: defaults to a new :class:`SandboxedEnvironment`.
    """

    def __init__(self, environment: TaskDataEnvironment | None = None) -> None:
        super().__init__(environment=environment or SandboxedEnvironment())

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as e:
            cause = e.__context__  # the library raises its wrapper inside `except Exception`
            if not isinstance(cause, ScriptError) or e.task is not task:
                raise
            raise task_error(task, cause, expression) from cause

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        if isinstance(err, ScriptError):
            return task_error(task, err, script)
        return super().create_task_exec_exception(task, script, err)


def find_script_error(error: BaseException) -> ScriptError | None:
    """The :class:`ScriptError` behind ``error`` (itself or along its causes), if any.

    Works with the library's plain ``PythonScriptEngine`` too, whose evaluation wrapper hides the
    message but keeps the error as ``__context__``.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ScriptError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
