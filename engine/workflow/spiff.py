"""Every SpiffWorkflow customisation of the platform, in one module.

- :class:`Parser`: the spiff dialect parser.
- :data:`SERIALIZER`: built from a *copy* of the library's config (never mutated) in which
  the top workflow converter leaves the specs out of the state: specs are stored once per
  deployed version and restored from a cache.
- :class:`ScriptEngine`: the script engine with the connector seam (``call_service``)
  overridden once, delegating to the ``call_connector`` callable that ``create_app``
  injects, and with analysts' code run in the restricted sandbox.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser as LibraryEventBasedGatewayParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    MultipleEventDefinitionConverter,
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, EventBasedGateway, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task as SpiffTask

from engine.deadlines.holidays import Calendar
from engine.deadlines.scripting import USAGE, BusinessDayError, BusinessDays, helpers
from engine.sandbox import SandboxedEnvironment, SandboxedScriptEngine, ScriptError
from engine.settings import CITY_TIMEZONE


def _now(task: SpiffTask) -> datetime:
    """The engine's clock (injectable, so tests can move time), read through the script engine."""
    now = getattr(task.workflow.script_engine, "now", None)
    return now() if now is not None else datetime.now(UTC)


def _calendar(task: SpiffTask) -> Calendar:
    """The city's calendar, read through the script engine (holidays included)."""
    calendar = getattr(task.workflow.script_engine, "calendar", None)
    return calendar() if calendar is not None else Calendar(ZoneInfo(CITY_TIMEZONE))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    """A date timer that asks the engine's clock, not the system's."""

    def has_fired(self, my_task: SpiffTask) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if _aware(TimerEventDefinition.parse_time_or_duration(event_value)) < _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    """A duration timer counted from the engine's clock.

    ``dias_habiles(n)`` is due when an SLA of ``n`` days is (:meth:`Calendar.due_after`); the
    timer keeps ``business_days`` in its internal data so a pause of the case's clock can move it.
    """

    def has_fired(self, my_task: SpiffTask) -> bool:
        event_value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if isinstance(expression, BusinessDays):
                event_value = _calendar(my_task).due_after(now, expression.days).isoformat()
                my_task._set_internal_data(event_value=event_value, business_days=expression.days)
            else:
                duration = TimerEventDefinition.parse_iso_duration(expression)
                event_value = (now + TimerEventDefinition.get_timedelta_from_start(duration, now)).isoformat()
                my_task._set_internal_data(event_value=event_value)
        if _aware(TimerEventDefinition.get_datetime(event_value)) < now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    """A cycle timer whose repetitions follow the engine's clock."""

    def cycle_complete(self, my_task: SpiffTask) -> bool:
        now = _now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            event_value = _first_cycle(expression, now)
        ready = False
        if event_value["cycles"] != 0:
            next_event = _aware(datetime.fromisoformat(event_value["next"]))
            if next_event < now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def _first_cycle(expression: str, now: datetime) -> dict[str, Any]:
    """Read ``R<n>/<start>/<duration>``; without a start or end, the first cycle ends one interval from ``now``.

    The library computes that case from the system clock, which would ignore the engine's clock.
    """
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
    parts = expression.upper().replace("--", "/").strip("R").split("/")
    if len(parts) == 2 and not isinstance(TimerEventDefinition.parse_time_or_duration(parts[1]), datetime):
        start = now + duration
    return {"cycles": cycles, "next": _aware(start).isoformat(), "duration": duration.total_seconds()}


_CLOCK_TIMERS = {
    TimeDateEventDefinition: ClockTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockCycleTimerEventDefinition,
}


class _ClockTimers:
    """Parser mixin: build timer definitions that use the engine's clock."""

    def parse_timer_event(self, event: Any) -> TimerEventDefinition:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        clock_class = _CLOCK_TIMERS.get(type(definition))
        if clock_class is None:
            return definition
        return clock_class(definition.name, definition.expression, description=definition.description)


class StartEventParser(_ClockTimers, SpiffStartEventParser):
    pass


class BoundaryEventParser(_ClockTimers, SpiffBoundaryEventParser):
    pass


class IntermediateCatchEventParser(_ClockTimers, SpiffIntermediateCatchEventParser):
    pass


class GatewayEventDefinition(MultipleEventDefinition):
    """The events an event-based gateway waits for, with their messages' process correlations.

    The library calls ``update_task`` only on the waiting task's own definition; for a gateway
    that is this container, so the messages behind it never computed the correlation values
    their ``processVariableCorrelation`` reads from the case data, and any message reached them.
    """

    def update_task(self, my_task: SpiffTask) -> None:
        for definition in self.event_definitions:
            if isinstance(definition, MessageEventDefinition):
                definition.update_task(my_task)


class EventBasedGatewayParser(LibraryEventBasedGatewayParser):
    def create_task(self) -> Any:
        return self._create_task(GatewayEventDefinition())


class Parser(SpiffBpmnParser):
    """The spiff dialect parser with clock-aware timers and tolerant data stores."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (StartEventParser, StartEvent),
        full_tag("boundaryEvent"): (BoundaryEventParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (IntermediateCatchEventParser, IntermediateCatchEvent),
        full_tag("eventBasedGateway"): (EventBasedGatewayParser, EventBasedGateway),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skipped_data_stores: list[str] = []

    def _add_data_stores(self, bpmn: Any) -> None:
        """Skip documentation-only data stores (no implementation) instead of failing the file.

        A task that really reads or writes such a store still fails to parse, naming it.
        """
        for data_store in bpmn.xpath(".//bpmn:dataStore", namespaces=self.namespaces):
            name = data_store.attrib.get("name")
            if name not in self.DATA_STORE_CLASSES:
                self.skipped_data_stores.append(data_store.attrib.get("id") or name or "?")
                data_store.getparent().remove(data_store)
        super()._add_data_stores(bpmn)


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Serialize a top workflow without its specs; restore it with specs given by the caller."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: BpmnProcessSpec | None = None,
                  subprocess_specs: dict[str, BpmnProcessSpec] | None = None) -> BpmnWorkflow:
        if spec is None:  # a full serialization (with specs) still restores
            return super().from_dict(dct)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


SPEC_CONFIG = {
    **SPIFF_CONFIG,
    ClockTimeDateEventDefinition: TimerConditionalEventDefinitionConverter,
    ClockDurationTimerEventDefinition: TimerConditionalEventDefinitionConverter,
    ClockCycleTimerEventDefinition: TimerConditionalEventDefinitionConverter,
    GatewayEventDefinition: MultipleEventDefinitionConverter,
}
SERIALIZER_CONFIG = {**SPEC_CONFIG, BpmnWorkflow: StateOnlyWorkflowConverter}
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SERIALIZER_CONFIG))
SPEC_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPEC_CONFIG))


def specs_to_dict(spec: BpmnProcessSpec, subprocess_specs: Mapping[str, BpmnProcessSpec]) -> dict[str, Any]:
    """Serialize a process spec and the specs it calls, for storing with a deployment."""
    return {
        "spec": SPEC_SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: SPEC_SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
    }


def connect_event_subprocesses(spec: BpmnProcessSpec) -> BpmnProcessSpec:
    """Wire the event sub-processes of a restored spec once, as the library would on first trigger.

    ``BpmnStartTask.trigger_wf`` connects an event sub-process to the start and end of its
    process the first time its event arrives, mutating the spec. Specs are stored once per
    version, so that wiring was lost on restore (``WorkflowException: No input task connected``
    when the sub-process ended) and, in a shared cached spec, the start task gained a new output
    that every later instance would run. Connecting the inputs here makes ``trigger_wf`` skip
    its mutation: the start's outputs stay as parsed.
    """
    start = spec.start
    for name in getattr(start, "trigger_specs", []):
        task_spec = spec.task_specs[name]
        if start.name not in task_spec._inputs:  # ``inputs`` is a computed list; the names are the state
            task_spec._inputs.append(start.name)
        if spec.end not in task_spec.outputs:
            task_spec.connect(spec.end)
    return spec


StoredSpecs = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


class SpecCache:
    """Restored specs per deployment id; specs are read-only once parsed, so sharing is safe."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[str, tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, deployment_id: str, stored: StoredSpecs) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        """The restored specs of a deployment.

        :param stored: the deployment's stored specs, or a callable returning them: called only
            on a miss, so a hit never reads the (large) column.
        """
        with self._lock:
            if deployment_id in self._items:
                self._items.move_to_end(deployment_id)
                return self._items[deployment_id]
        if callable(stored):
            stored = stored()
        restored = (
            connect_event_subprocesses(SPEC_SERIALIZER.from_dict(json.loads(json.dumps(stored["spec"])))),
            {name: connect_event_subprocesses(SPEC_SERIALIZER.from_dict(json.loads(json.dumps(s))))
             for name, s in stored["subprocess_specs"].items()},
        )
        with self._lock:
            self._items[deployment_id] = restored
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return restored


SPECS = SpecCache()


def state_to_dict(workflow: BpmnWorkflow) -> dict[str, Any]:
    """Serialize an instance's state (without specs) into plain JSON types."""
    dct: dict[str, Any] = SERIALIZER.to_dict(workflow)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return dct


def state_from_dict(state: Mapping[str, Any], deployment_id: str, stored_specs: StoredSpecs,
                    script_engine: PythonScriptEngine) -> BpmnWorkflow:
    """Restore an instance's workflow and attach the script engine (it is not serialized).

    :param stored_specs: the deployment's stored specs, or a callable returning them (read only
        when the specs are not cached yet).
    """
    spec, subprocess_specs = SPECS.get(deployment_id, stored_specs)
    dct = json.loads(json.dumps(state))  # restoring consumes the dict; keep the row intact
    dct.pop(SERIALIZER.VERSION_KEY, None)
    workflow: BpmnWorkflow = SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


class ServiceCallError(Exception):
    """A connector call of a service task failed.

    :ivar temporary: whether retrying later may succeed.
    """

    def __init__(self, operation: str, message: str, temporary: bool) -> None:
        super().__init__(f"{operation}: {message}")
        self.operation = operation
        self.message = message
        self.temporary = temporary


ConnectorCall = Callable[[str, dict[str, Any], dict[str, Any]], Any]


def _script_helper(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A business-day helper whose wrong calls fail as the sandbox's errors, in Spanish."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except BusinessDayError as e:
            raise ScriptError(str(e)) from None
        except TypeError:  # wrong number or names of arguments
            raise ScriptError(f"{name}: se escribe {USAGE[name]}.") from None

    return call


class ScriptEngine(SandboxedScriptEngine):
    """Runs analysts' code in the sandbox and service tasks through the injected connectors.

    The sandboxed base keeps the sandbox's own message and line on errors, which the
    library's engine would replace by "Error evaluating expression". Scripts and expressions
    see the business-day helpers (:mod:`engine.deadlines.scripting`) bound to ``now`` and
    ``calendar``.

    :param calendar: builds the city's calendar (holidays included); without it, weekends only
        in the city's default zone.
    """

    def __init__(self, call_connector: ConnectorCall | None = None,
                 facts: Callable[[SpiffTask], dict[str, Any]] | None = None,
                 now: Callable[[], datetime] | None = None,
                 calendar: Callable[[], Calendar] | None = None) -> None:
        self.now = now or (lambda: datetime.now(UTC))
        self.calendar = calendar or (lambda: Calendar(ZoneInfo(CITY_TIMEZONE)))
        found = helpers(lambda: self.now(), lambda: self.calendar())
        super().__init__(SandboxedEnvironment({name: _script_helper(name, f) for name, f in found.items()}))
        self._call_connector = call_connector
        self._facts = facts or (lambda task: {})

    def call_service(self, task: SpiffTask, operation_name: str = "",
                     operation_params: Mapping[str, Mapping[str, Any]] | None = None, **_: Any) -> str:
        """Call the connector operation; the library expects the result as a JSON string.

        Replaces the library's version, whose error path hides the real error (3.2.0).
        """
        if self._call_connector is None:
            raise ServiceCallError(operation_name, "no hay conectores configurados", temporary=False)
        params = {name: param["value"] for name, param in (operation_params or {}).items()}
        facts = {**self._facts(task), "element_id": task.task_spec.bpmn_id}
        try:
            result = self._call_connector(operation_name, params, facts)
        except Exception as e:  # every connector failure becomes an incident, typed by `temporary`
            message = getattr(e, "message", None) or str(e) or type(e).__name__
            raise ServiceCallError(operation_name, message, bool(getattr(e, "temporary", False))) from e
        return json.dumps(result)
