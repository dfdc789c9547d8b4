"""The counters and histograms of what the platform does, by procedure and operation.

They count events in the process that saw them. Under gunicorn's several workers (and the
Celery workers beside them) the library's multiprocess mode adds them up: with
``PROMETHEUS_MULTIPROC_DIR`` set before the process starts, each process writes its values to
files in that folder and ``/metrics`` reads them all. What is a state rather than an event
(backlogs, inboxes, timers, storage) is not counted here but read from the database at each
scrape (``engine/api/metrics/gauges.py``), which is the same for every process by construction.

The instruments belong to no registry: :func:`process_collector` hands them to the registry
``/metrics`` builds for one scrape, so nothing is registered globally at import time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

#: The library's own variable: a folder shared by every process of one machine, emptied at start.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
#: Step latency buckets, in seconds: a step is usually tens of milliseconds, a slow connector seconds.
TRIGGERS = ("start", "task", "timer", "retry", "other")
OUTCOMES = ("ok", "incident")
STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

STEPS = Counter("tramites_steps", "Steps of cases saved (committed), by procedure, what moved them and outcome.",
                ("procedure", "trigger", "outcome"), registry=None)
STEP_SECONDS = Histogram("tramites_step_duration_seconds",
                         "Time from loading a case's workflow to saving it, by procedure.", ("procedure",),
                         buckets=STEP_BUCKETS, registry=None)
STARTS = Counter("tramites_case_starts", "Cases started, by procedure.", ("procedure",), registry=None)
TASK_COMPLETIONS = Counter("tramites_task_completions", "Human tasks completed, by procedure.", ("procedure",),
                           registry=None)
CASES_COMPLETED = Counter("tramites_cases_completed", "Cases that reached their end, by procedure.",
                          ("procedure",), registry=None)
TIMERS_FIRED = Counter("tramites_timers_fired", "Due timers the background work fired, by procedure.",
                       ("procedure",), registry=None)
INCIDENT_RETRIES = Counter("tramites_incident_retries", "Failed steps run again, by who asked (automatic or staff).",
                           ("trigger",), registry=None)
CONNECTOR_CALLS = Counter("tramites_connector_calls", "Calls to a connector's operation.", ("operation",),
                          registry=None)
CONNECTOR_ERRORS = Counter("tramites_connector_errors", "Connector calls that raised, by operation.",
                           ("operation",), registry=None)
CONNECTOR_SECONDS = Histogram("tramites_connector_call_duration_seconds", "Time a connector's operation took.",
                              ("operation",), buckets=STEP_BUCKETS, registry=None)
OUTBOX_FAILURES = Counter("tramites_outbox_failures", "Failed attempts to deliver an outbox message, by operation.",
                          ("operation",), registry=None)

INSTRUMENTS: tuple[MetricWrapperBase, ...] = (
    STEPS, STEP_SECONDS, STARTS, TASK_COMPLETIONS, CASES_COMPLETED, TIMERS_FIRED, INCIDENT_RETRIES,
    CONNECTOR_CALLS, CONNECTOR_ERRORS, CONNECTOR_SECONDS, OUTBOX_FAILURES,
)


def multiprocess_dir() -> str | None:
    """The folder of multiprocess mode, or ``None`` when each process counts alone."""
    return os.environ.get(MULTIPROCESS_VARIABLE) or None


class _Instruments(Collector):
    """The instruments of this process, for a registry built per scrape.

    Without the ``_created`` series (when each series began), which would double the answer
    and which multiprocess mode never gives: the two modes answer the same series.
    """

    def collect(self) -> Iterator[Any]:
        for instrument in INSTRUMENTS:
            for family in instrument.collect():
                family.samples = [s for s in family.samples if not s.name.endswith("_created")]
                yield family


def process_collector() -> Collector:
    """What a scrape reads of the counters: every process's files, or this process's values."""
    folder = multiprocess_dir()
    if folder is None:
        return _Instruments()
    from prometheus_client.multiprocess import MultiProcessCollector

    return MultiProcessCollector(None, path=folder)  # no registry: the scrape's own adds it


def ensure_series(procedures: Iterable[str], operations: Iterable[str]) -> None:
    """Give every known procedure and operation its series, at zero until something happens.

    A series that appears only after its first event makes a dashboard's panel empty and a
    rate over it undefined; Prometheus's advice is to start known label values at zero.
    """
    for procedure in procedures:
        for trigger in TRIGGERS:
            for outcome in OUTCOMES:
                STEPS.labels(procedure, trigger, outcome)
        for instrument in (STEP_SECONDS, STARTS, TASK_COMPLETIONS, CASES_COMPLETED, TIMERS_FIRED):
            instrument.labels(procedure)
    for operation in operations:
        for instrument in (CONNECTOR_CALLS, CONNECTOR_ERRORS, CONNECTOR_SECONDS, OUTBOX_FAILURES):
            instrument.labels(operation)
    for trigger in ("automatic", "staff"):
        INCIDENT_RETRIES.labels(trigger)


def step_saved(procedure: str, trigger: str, outcome: str, seconds: float, *, started: bool,
               completed: bool) -> None:
    """Count one committed step of a real case (test cases are never counted).

    :param trigger: ``start``, ``task``, ``timer``, ``retry`` or ``other`` (messages, resumes, migrations).
    :param outcome: ``ok`` or ``incident``.
    :param started: the step started the case.
    :param completed: the step brought the case to its end.
    """
    STEPS.labels(procedure, trigger, outcome).inc()
    STEP_SECONDS.labels(procedure).observe(seconds)
    if started:
        STARTS.labels(procedure).inc()
    if trigger == "task":
        TASK_COMPLETIONS.labels(procedure).inc()
    if trigger == "timer":
        TIMERS_FIRED.labels(procedure).inc()
    if completed:
        CASES_COMPLETED.labels(procedure).inc()


def connector_called(operation: str, seconds: float, failed: bool) -> None:
    """Count one call to a connector's operation, and whether it raised."""
    CONNECTOR_CALLS.labels(operation).inc()
    CONNECTOR_SECONDS.labels(operation).observe(seconds)
    if failed:
        CONNECTOR_ERRORS.labels(operation).inc()


def outbox_failed(operation: str) -> None:
    """Count one failed delivery attempt of an outbox message."""
    OUTBOX_FAILURES.labels(operation).inc()


def incident_retried(automatic: bool) -> None:
    """Count one retry of a failed step."""
    INCIDENT_RETRIES.labels("automatic" if automatic else "staff").inc()
