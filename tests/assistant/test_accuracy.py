"""Retrieval accuracy on the held-out half of the question set: the issue's floors (top-3 ≥ 90 %, top-1 ≥ 75 %).

The index is the one the platform builds from the deployed guide (every procedure of processes/
deployed), so what is measured is what people get; `make bench` prints the same figures.
"""

from __future__ import annotations

import pytest
from flask import Flask

from engine.assistant.index import current_index
from tests.assistant.accuracy import TOP1_FLOOR, TOP3_FLOOR, manifest_index, measure
from tests.assistant.helpers import PROCESSES, deploy


@pytest.mark.sqlite_only
def test_the_held_out_half_meets_the_floors_on_the_deployed_guide(app: Flask) -> None:
    deploy(app, *sorted(p.name for p in PROCESSES.iterdir() if (p / "manifest.yaml").is_file()))
    with app.app_context():
        result = measure(current_index(), "reserva")
    assert result.total >= 30
    assert result.rate(result.top3) >= TOP3_FLOOR, result.misses
    assert result.rate(result.top1) >= TOP1_FLOOR, result.misses


def test_the_deployed_guide_and_the_manifests_rank_alike() -> None:
    """The bench's quick index (manifests read from disk) is the deployed one's content."""
    index = manifest_index()
    assert {e.key for e in index.entries} == {
        "apoderamiento", "certificado_catastral", "compras", "cotizacion_compras", "evento_publico",
        "habilitacion_comercial", "permiso_via_publica", "reclamo", "rectificacion_datos"}
