"""Each construct model run directly on SpiffWorkflow through the platform's own customisation.

Between every step the workflow goes through :func:`engine.workflow.spiff.state_to_dict` and back
(:func:`engine.workflow.spiff.state_from_dict`) with a freshly restored spec and our
:class:`engine.workflow.spiff.ScriptEngine` attached again, so the custom config (clock-aware timers,
state-only top workflow, sandboxed scripts, the connector seam) is proven to round-trip.
The REST API tests (``test_constructs_*``) cover the same models end to end.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.workflow.bundles import bundle_from_path
from engine.workflow.indexing import event_subprocess_messages, pending_events
from engine.workflow.spiff import SPECS, ScriptEngine, specs_to_dict, state_from_dict, state_to_dict
from engine.workflow.validation import validate_bundle
from tests.fixtures.engine import BUNDLES

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def echo(operation: str, params: dict[str, Any], context: dict[str, Any]) -> Any:
    """A stand-in for the connector registry: ``eco/repetir`` answers its ``valor``."""
    assert operation == "eco/repetir"
    return {"valor": params["valor"], "elemento": context["element_id"]}


class Driver:
    """Runs one bundle's process with serialize → deserialize between every step."""

    def __init__(self, bundle: str, data: dict[str, Any] | None = None, roundtrip: bool = True) -> None:
        self.roundtrip = roundtrip
        parsed, report = validate_bundle(bundle_from_path(BUNDLES / bundle), frozenset({"eco/repetir"}))
        assert parsed is not None, report.problems
        # Specs travel as JSON too, exactly as a deployment stores them.
        self.specs = json.loads(json.dumps(specs_to_dict(parsed.spec, parsed.subprocess_specs)))
        self.now = T0
        self.path: list[str] = []
        self.caught = 0
        spec, subprocess_specs = SPECS.get(str(uuid.uuid4()), self.specs)
        workflow = BpmnWorkflow(spec, subprocess_specs)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        self._save(workflow)

    def _load(self) -> BpmnWorkflow:
        if not self.roundtrip:
            return self.live
        # A new deployment id every time: the spec cache cannot hand back a live object.
        engine = ScriptEngine(echo, lambda task: {}, now=lambda: self.now)
        return state_from_dict(self.state, str(uuid.uuid4()), self.specs, engine)

    def _save(self, workflow: BpmnWorkflow) -> None:
        self.live = workflow
        if not self.roundtrip:
            workflow.script_engine = ScriptEngine(echo, lambda task: {}, now=lambda: self.now)
            return
        self.state = json.loads(json.dumps(state_to_dict(workflow)))

    def _record(self, task: SpiffTask) -> None:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and not task.has_state(TaskState.CANCELLED):
            self.path.append(bpmn_id)

    def step(self, action: Callable[[BpmnWorkflow], None] | None = None) -> BpmnWorkflow:
        """Load, act, run the engine, save; return the (saved) workflow for inspection."""
        workflow = self._load()
        if action is not None:
            action(workflow)
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=self._record)
        self._save(workflow)
        return self._load()

    def ready(self) -> list[str]:
        workflow = self._load()
        return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))

    def complete(self, bpmn_id: str, **data: Any) -> BpmnWorkflow:
        def act(workflow: BpmnWorkflow) -> None:
            task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == bpmn_id)
            task.data.update(data)
            task.run()
            self._record(task)

        return self.step(act)

    def send(self, name: str, payload: dict[str, Any]) -> BpmnWorkflow:
        """Deliver a message the way ``engine.workflow.messages`` does: as an external event."""

        def act(workflow: BpmnWorkflow) -> None:
            waiting = [definition for _task, definition, _details in pending_events(workflow)]
            for definition in [*waiting, *event_subprocess_messages(workflow)]:
                if isinstance(definition, MessageEventDefinition) and definition.name == name:
                    correlations = definition.calculate_correlations(
                        workflow.script_engine, definition.correlation_properties, payload)
                    event = BpmnEvent(definition, payload=payload, correlations=correlations)
                    self.caught = workflow.event_manager.catch(event, internal=False)
                    return
            self.caught = 0

        return self.step(act)

    def advance(self, delta: timedelta) -> BpmnWorkflow:
        self.now += delta
        return self.step()

    def finish(self) -> dict[str, Any]:
        workflow = self._load()
        assert workflow.completed, f"not completed; ready: {self.ready()}"
        data: dict[str, Any] = workflow.last_task.data if workflow.last_task else {}
        return data


@pytest.fixture(params=[True, False], ids=["roundtrip", "live"])
def drive(request: pytest.FixtureRequest) -> Callable[..., Driver]:
    """Build drivers with (and, as the reference, without) a save/restore between steps."""
    return lambda bundle, data=None: Driver(bundle, data, roundtrip=request.param)


def test_the_saved_state_holds_no_spec_and_restores_with_a_fresh_one() -> None:
    driver = Driver("gw_paralelo")
    driver.step()
    assert "spec" not in driver.state and "subprocess_specs" not in driver.state
    assert driver.ready() == ["inspeccionar", "verificar_deuda"]


@pytest.mark.parametrize(("monto", "branch"), [(5000, "nivel_alto"), (500, "nivel_medio"), (5, "nivel_bajo")])
def test_exclusive_gateway(drive: Callable[..., Driver], monto: int, branch: str) -> None:
    driver = drive("gw_exclusivo", {"monto": monto})
    driver.step()
    assert driver.path == ["inicio", "clasificar", branch, "unir", "fin"]
    assert driver.finish()["nivel"] == branch.removeprefix("nivel_")


def test_inclusive_gateway(drive: Callable[..., Driver]) -> None:
    driver = drive("gw_inclusivo", {"requiere_legal": True, "requiere_tecnica": True})
    driver.step()
    driver.complete("revision_legal", dictamen_legal="L")
    assert driver.ready() == ["revision_tecnica"]
    driver.complete("revision_tecnica", dictamen_tecnico="T")
    assert driver.path == ["inicio", "dividir", "revision_legal", "revision_tecnica", "juntar", "resumir", "fin"]
    assert driver.finish()["dictamenes"] == ["L", "T"]


def test_parallel_gateway(drive: Callable[..., Driver]) -> None:
    driver = drive("gw_paralelo")
    driver.step()
    driver.complete("inspeccionar", multa=10)
    driver.complete("verificar_deuda", deuda=5)
    assert driver.path[-3:] == ["cerrar", "totalizar", "fin"]
    assert driver.finish()["total"] == 165


@pytest.mark.parametrize("paid", [True, False])
def test_event_based_gateway(drive: Callable[..., Driver], paid: bool) -> None:
    driver = drive("gw_eventos", {"expediente": "EX-3"})
    driver.step()
    if paid:
        driver.send("pago_tasa", {"expediente": "EX-4", "importe": 10})
        assert driver.caught == 0  # another case's payment
        driver.send("pago_tasa", {"expediente": "EX-3", "importe": 10})
        assert driver.path[2:] == ["pago_recibido", "marcar_pagado", "fin_pagado"]
    else:
        driver.advance(timedelta(days=7, minutes=1))
        assert driver.path[2:] == ["plazo_de_pago", "marcar_vencido", "fin_vencido"]
    assert driver.finish()["estado"] == ("pagado" if paid else "vencido")


def test_script_dmn_and_service_tasks(drive: Callable[..., Driver]) -> None:
    items = [{"nombre": "a", "precio": 100, "cantidad": 2}]
    script = drive("script_tarea", {"items": items, "numero_expediente": "EX-2026-000001"})
    script.step()
    finished = script.finish()
    assert finished["total_redondeado"] == 240
    assert finished["referencia"] == "Liquidación del expediente EX-2026-000001"
    rules = drive("regla_negocio", {"rubro": "comercio", "superficie": 300})
    rules.step()
    data = rules.finish()
    assert (data["tasa"], data["categoria"]) == (18000, "B")
    assert data["requisitos"] == ["DNI del titular", "Contrato de locación", "Plano de evacuación"]
    service = drive("servicio", {"partida": "AB", "anio": 2025})
    service.step()
    assert service.path == ["inicio", "consultar", "usar", "fin"]
    assert service.finish()["respuesta"] == {"valor": "AB-2026", "elemento": "consultar"}


def test_manual_task_subprocess_and_call_activity(drive: Callable[..., Driver]) -> None:
    manual = drive("tarea_manual")
    manual.step()
    manual.complete("entregar")
    assert manual.path == ["inicio", "entregar", "registrar", "fin"]
    sub = drive("subprocesos", {"documentos": ["dni", "plano"]})
    sub.step()
    sub.complete("v_revisar")
    sub.complete("l_confirmar")
    assert sub.path == ["inicio", "v_inicio", "v_contar", "v_revisar", "v_fin", "verificar",
                        "l_inicio", "l_calcular", "l_confirmar", "l_fin", "liquidar", "fin"]
    assert sub.finish()["tasa"] == 200


def test_multi_instance_and_loops(drive: Callable[..., Driver]) -> None:
    driver = drive("multi_instancia", {"locales": ["L1", "L2"], "montos": [100], "intentos": 0})
    driver.step()
    assert driver.ready() == ["inspeccionar", "inspeccionar"]
    driver.complete("inspeccionar", informe="a")
    driver.complete("inspeccionar", informe="b")
    driver.complete("firmar", firmado=False)
    driver.complete("firmar", firmado=True)
    assert driver.path == ["inicio", *["inspeccionar"] * 3, *["con_iva"] * 2, *["reintentar"] * 4,
                           *["firmar"] * 3, "fin"]
    data = driver.finish()
    assert (data["informes"], data["montos_con_iva"], data["intentos"]) == (["a", "b"], [121.0], 3)


def test_timers_follow_the_engine_clock(drive: Callable[..., Driver]) -> None:
    duration = drive("timer_duracion")
    duration.step()
    duration.advance(timedelta(days=2, hours=23))
    assert duration.ready() == ["revisar"]
    duration.advance(timedelta(hours=2))
    assert duration.path == ["inicio", "plazo_vencido", "vencer", "fin_vencido"]
    date = drive("timer_fecha", {"fecha_audiencia": "2026-03-10T10:00:00+00:00"})
    date.step()
    date.advance(timedelta(days=8))
    assert date.path == ["inicio"]
    date.advance(timedelta(days=1))
    assert date.finish()["audiencia_celebrada"] is True
    cycle = drive("timer_ciclo")
    cycle.step()
    for _ in range(4):
        cycle.advance(timedelta(minutes=61))
    assert cycle.path.count("recordar") == 2
    cycle.complete("pagar")
    assert cycle.path[-2:] == ["pagar", "fin"]


def test_messages(drive: Callable[..., Driver]) -> None:
    start = drive("msg_inicio")
    start.step()
    start.send("solicitud_externa", {"sistema": "GDE", "titular": "Ana"})
    start.complete("atender")
    assert start.path == ["inicio_mensaje", "registrar", "atender", "fin"]
    catch = drive("msg_captura", {"expediente": "EX-1"})
    catch.step()
    catch.send("pago_confirmado", {"expediente": "EX-2", "importe": 1})
    assert catch.caught == 0 and catch.path == ["inicio"]
    catch.send("pago_confirmado", {"expediente": "EX-1", "importe": 300})
    assert catch.finish()["pagado"] == 300
    throw = drive("msg_envio", {"expediente": "EX-9"})
    throw.step()
    workflow = throw.complete("preparar", texto="hola")
    assert throw.path[-4:] == ["enviar_aviso", "recibir_aviso", "cerrar", "avisar_afuera"]
    assert [(e.event_definition.name, e.payload) for e in workflow.get_events()] == [
        ("pago_confirmado", {"expediente": "EX-9", "importe": 250})]


def test_error_escalation_and_terminate(drive: Callable[..., Driver]) -> None:
    error = drive("errores")
    error.step()
    error.complete("v_revisar", valida=False, motivo="falta plano")
    assert error.path[-4:] == ["validar", "doc_invalida", "rechazar", "fin_rechazo"]
    assert error.finish()["error_doc"] == {"motivo": "falta plano"}
    escalation = drive("escalamiento", {"monto": 10, "urgente": True})
    escalation.step()
    assert escalation.ready() == ["avisar_jefe", "e_resolver"]
    escalation.complete("e_resolver")
    escalation.complete("avisar_jefe")
    assert escalation.path[4:6] == ["e_avisar", "urgencia"]
    assert escalation.path[-6:] == ["e_resolver", "e_fin", "evaluar", "fin", "avisar_jefe", "fin_aviso"]
    escalation.finish()
    terminate = drive("terminacion")
    terminate.step()
    terminate.complete("desistir", desiste=True)
    assert terminate.path[-2:] == ["archivar", "terminar"]
    assert terminate.finish()["archivado"] is True


def test_message_tasks_and_event_subprocess(drive: Callable[..., Driver]) -> None:
    tasks = drive("msg_tareas", {"expediente": "E1"})
    tasks.step()
    tasks.send("documentos_enviados", {"expediente": "E1", "archivos": []})
    tasks.send("desistimiento", {"expediente": "E1", "motivo": "mudanza"})
    assert tasks.path == ["inicio", "recibir_documentos", "desistio", "archivar", "fin_archivado"]
    event = drive("subproceso_evento")
    event.step()
    event.send("consulta_ciudadana", {"pregunta": "x"})
    assert event.caught == 1 and event.ready() == ["c_responder", "tramitar"]
    event.complete("c_responder", respuesta="r")  # failed after a restore before connect_event_subprocesses
    event.complete("tramitar")
    assert event.path == ["inicio", "c_inicio", "c_responder", "c_fin", "atender_consulta", "tramitar", "fin"]
    event.finish()


def test_a_triggered_event_subprocess_does_not_leak_into_new_instances() -> None:
    first = Driver("subproceso_evento")
    first.step()
    first.send("consulta_ciudadana", {"pregunta": "x"})
    spec, _subprocess_specs = SPECS.get("shared", first.specs)
    assert [s.name for s in spec.start.outputs] == ["inicio"]


def test_multi_instance_cardinality_and_completion_condition(drive: Callable[..., Driver]) -> None:
    driver = drive("mi_cardinalidad", {"cantidad_cuotas": 2, "deuda": 300, "jurados": ["A", "B", "C"]})
    driver.step()
    driver.complete("votar", voto=True)
    driver.complete("votar", voto=False)
    data = driver.finish()
    assert data["cuotas"] == [{"numero": 1, "importe": 150.0}, {"numero": 2, "importe": 150.0}]
    assert data["votos"] == [True, False]
