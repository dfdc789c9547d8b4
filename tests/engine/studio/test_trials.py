"""Trial deployments of a studio draft: their own key, only test cases, invisible to every lookup for real use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.errors import Conflict, DeploymentInvalid, NotFound
from engine.models import Deployment
from engine.runtime import EXTENSION_KEY
from engine.studio import drafts, trials
from engine.uow import unit_of_work
from engine.workflow import deployments, instances, testcases
from engine.workflow.bundles import bundle_from_path
from tests.fixtures.engine import ApiClient

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
REVIEW = Path(__file__).resolve().parents[2] / "data" / "worklists" / "revision_mesa"
NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


def _draft(app: Flask, folder: Path, name: str = "Borrador") -> int:
    with app.app_context(), unit_of_work():
        draft = drafts.create_from_files(name, dict(bundle_from_path(folder).files), "analista", NOW)
        db.session.flush()
        return draft.id


def _try(app: Flask, draft_id: int) -> tuple[str, int, bool]:
    rt = app.extensions[EXTENSION_KEY]
    with app.app_context(), unit_of_work():
        result = trials.deploy(drafts.get(draft_id), "analista", rt.operations(), rt.known_groups,
                               rt.validate_params, rt.documents.check_template)
        return result.deployment.key, result.deployment.version, result.created


def test_a_draft_is_tried_under_its_own_key_and_never_becomes_the_real_one(app: Flask, api: ApiClient) -> None:
    draft_id = _draft(app, PROCESSES / "evento_publico")
    key, version, created = _try(app, draft_id)
    assert (key, version, created) == (f"evento_publico__prueba_{draft_id}", 1, True)
    with app.app_context():
        trial = deployments.version(key, 1)
        assert trial.trial is True and trial.processes[0] == key
        assert f'id="{key}"' in trial.file("evento_publico.bpmn").decode()  # type: ignore[union-attr]
        with pytest.raises(NotFound):  # the real key was never deployed: trying does not deploy it
            deployments.latest("evento_publico")
        with pytest.raises(NotFound):  # nor is the trial key a procedure to start for real
            deployments.latest(key)
        assert key not in {d.key for d in deployments.catalogue()}
        db.session.remove()
    # the real procedure's versions go on as if the draft had never been tried
    assert api.deploy(PROCESSES / "evento_publico").status_code == 201
    with app.app_context():
        assert [d.version for d in deployments.versions("evento_publico")] == [1]
        assert deployments.latest("evento_publico").trial is False
        assert [d.key for d in deployments.catalogue()] == ["evento_publico"]
        db.session.remove()


def test_trying_again_reuses_an_unchanged_draft_and_numbers_a_changed_one(app: Flask) -> None:
    draft_id = _draft(app, REVIEW)
    first = _try(app, draft_id)
    assert _try(app, draft_id) == (first[0], 1, False)
    with app.app_context(), unit_of_work():
        draft = drafts.get(draft_id)
        text = drafts.files_of(draft)["revision_mesa.bpmn"].decode()
        drafts.put_file(draft, "revision_mesa.bpmn", text.replace("Revisar solicitud", "Revisar el pedido").encode(),
                        "analista", NOW)
    assert _try(app, draft_id) == (first[0], 2, True)
    with app.app_context():
        assert [d.version for d in trials.versions_of(drafts.get(draft_id))] == [2, 1]
        assert trials.draft_id_of(deployments.version(first[0], 2)) == draft_id
        db.session.remove()


def test_only_test_cases_start_on_a_trial_version(app: Flask) -> None:
    key = _try(app, _draft(app, REVIEW))[0]
    rt = app.extensions[EXTENSION_KEY]
    with app.app_context(), unit_of_work():
        trial = deployments.version(key, 1)
        with pytest.raises(Conflict, match="solo admite casos de prueba"):
            instances.start_deployment(rt.engine_context(), trial, {}, "alguien")
        with pytest.raises(NotFound):
            instances.start(rt.engine_context(), key, {}, "alguien")
        case = testcases.start(rt.engine_context(), trial, {}, "analista")
        assert case.is_test and case.number.startswith("PRUEBA-") and case.process_key == key
        assert [t.element_id for t in instances.ready_tasks(case)] == ["revisar"]


def test_a_draft_with_problems_deploys_nothing(app: Flask) -> None:
    draft_id = _draft(app, REVIEW)
    with app.app_context(), unit_of_work():
        draft = drafts.get(draft_id)
        text = drafts.files_of(draft)["revision_mesa.bpmn"].decode()
        drafts.put_file(draft, "revision_mesa.bpmn", text.replace("completo == False", "completo ==").encode(),
                        "analista", NOW)
    with pytest.raises(DeploymentInvalid) as refused:
        _try(app, draft_id)
    assert refused.value.errors, refused.value
    with app.app_context():
        assert db.session.scalars(select(Deployment)).all() == []
        db.session.remove()


def test_a_real_procedure_under_the_trial_key_is_never_overwritten(app: Flask) -> None:
    draft_id = _draft(app, REVIEW)
    with app.app_context(), unit_of_work():
        squatter = trials.rekeyed(bundle_from_path(REVIEW), "revision_mesa", f"revision_mesa__prueba_{draft_id}")
        rt = app.extensions[EXTENSION_KEY]
        assert deployments.deploy(squatter, "admin", rt.operations()).created
    with pytest.raises(Conflict):
        _try(app, draft_id)


def test_rekeying_renames_the_process_and_what_points_at_it_only() -> None:
    bundle = bundle_from_path(REVIEW)
    renamed = trials.rekeyed(bundle, "revision_mesa", "revision_mesa__prueba_7")
    text = renamed.files["revision_mesa.bpmn"].decode()
    assert 'processRef="revision_mesa__prueba_7"' in text and '<bpmn:process id="revision_mesa__prueba_7"' in text
    assert 'id="revisar"' in text and 'id="Participant_mesa"' in text
    assert renamed.manifest["key"] == "revision_mesa__prueba_7" and renamed.manifest["name"] == bundle.manifest["name"]
    assert renamed.files["revision.schema.json"] == bundle.files["revision.schema.json"]


def test_what_a_case_waits_at_is_read_from_its_state() -> None:
    from SpiffWorkflow.util.task import TaskState

    from engine.models import Instance

    state = {"tasks": {"a": {"task_spec": "revisar", "state": TaskState.READY},
                       "b": {"task_spec": "vence", "state": TaskState.WAITING},
                       "c": {"task_spec": "fin", "state": TaskState.FUTURE}},
             "subprocesses": {"s": {"tasks": {"d": {"task_spec": "esperar_pago", "state": TaskState.WAITING},
                                              "e": {"task_spec": "vence", "state": TaskState.WAITING}}}}}
    assert trials.waiting_elements(Instance(state=state)) == ["vence", "esperar_pago"]
    assert trials.waiting_elements(Instance(state={})) == []
