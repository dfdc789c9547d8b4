"""The public guide of procedures: listed by category, searchable without accents, readable signed out."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from flask import Flask

from engine.identity.accounts import ensure_group
from engine.uow import unit_of_work
from tests.fixtures.engine import BUNDLES, ApiClient, make_token

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _deployed(app: Flask) -> ApiClient:
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy("simple").status_code == 201
    assert api.deploy(PROCESSES / "recoleccion_contenedor").status_code == 201
    return api


def test_the_guide_lists_procedures_for_citizens_by_category(app: Flask) -> None:
    _deployed(app)
    page = app.test_client().get("/guia/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Guía de trámites" in html
    assert "Trámite simple de prueba" in html and "<h2>Pruebas</h2>" in html
    assert "Recolección de contenedor" not in html  # started by sensors, not by citizens


def test_search_ignores_accents_and_case_and_filters_by_category(app: Flask) -> None:
    _deployed(app)
    client = app.test_client()
    assert "Trámite simple de prueba" in client.get("/guia/?q=TRAMITE+SIMPLE").get_data(as_text=True)
    assert "No encontramos trámites" in client.get("/guia/?q=habilitacion").get_data(as_text=True)
    assert "Trámite simple" in client.get("/guia/?categoria=Pruebas").get_data(as_text=True)
    assert "No encontramos" in client.get("/guia/?categoria=Otra").get_data(as_text=True)


def test_a_procedure_page_tells_what_it_asks_and_unknown_ones_are_404(app: Flask) -> None:
    _deployed(app)
    client = app.test_client()
    detail = client.get("/guia/tramite_simple").get_data(as_text=True)
    assert "Un trámite con revisión, corrección y aprobación." in detail and "Requisitos" in detail
    assert client.get("/guia/recoleccion_contenedor").status_code == 404
    assert client.get("/guia/no_existe").status_code == 404


def test_a_procedure_staff_start_names_its_areas_and_offers_no_citizen_start(app: Flask, tmp_path: Path) -> None:
    """The lane's name when the model has one, else the directory's title, else the group's name."""
    bundle = tmp_path / "simple"
    shutil.copytree(BUNDLES / "simple", bundle)
    manifest = yaml.safe_load((bundle / "manifest.yaml").read_text(encoding="utf-8"))
    starters = ["mesa_entradas", "despacho", "area_sin_titulo"]
    (bundle / "manifest.yaml").write_text(yaml.safe_dump({**manifest, "iniciado_por": starters}, allow_unicode=True),
                                          encoding="utf-8")
    with app.app_context(), unit_of_work():
        ensure_group("despacho", "Despacho General")
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy(bundle).status_code == 201
    client = app.test_client()
    assert "Trámite simple de prueba" in client.get("/guia/").get_data(as_text=True)
    detail = client.get("/guia/tramite_simple").get_data(as_text=True)
    assert ("Lo inicia el personal del Mesa de Entradas o del Despacho General o del Area sin titulo."
            in detail), detail
    assert "Iniciar trámite" not in detail and "Iniciar desde la bandeja" not in detail


def test_the_term_in_business_days_is_the_guides_estimate_when_no_text_says_it(app: Flask, tmp_path: Path) -> None:
    """The studio's «Plazo en días hábiles» alone (no «Duración esperada»): the guide tells it, as
    the case's expected date already counts it, instead of «No informado»."""
    bundle = tmp_path / "simple"
    shutil.copytree(BUNDLES / "simple", bundle)
    manifest = yaml.safe_load((bundle / "manifest.yaml").read_text(encoding="utf-8"))
    manifest.pop("expected_duration", None)
    (bundle / "manifest.yaml").write_text(yaml.safe_dump({**manifest, "plazo_dias_habiles": 15}, allow_unicode=True),
                                          encoding="utf-8")
    api = ApiClient(app, make_token(app, "pruebas", "admin"))
    assert api.deploy(bundle).status_code == 201
    detail = app.test_client().get("/guia/tramite_simple").get_data(as_text=True)
    assert "15 días hábiles" in detail and "No informado" not in detail
