"""Staff groups by the names people read: «Mesa de Entradas», never «Mesa entradas»."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from engine import safe_yaml
from engine.db import db
from engine.identity.accounts import Group, ensure_group, group_title
from engine.identity.group_names import catalogue
from engine.workflow.tasks import APPLICANT_LANES, group_of_lane, slug

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
LANE = re.compile(r'<bpmn:lane id="[^"]*" name="([^"]+)"')


def _staff_lanes() -> set[str]:
    lanes = {name for path in PROCESSES.glob("*/*.bpmn") for name in LANE.findall(path.read_text(encoding="utf-8"))}
    return {lane for lane in lanes if slug(lane) not in APPLICANT_LANES}


def test_every_lane_of_the_citys_procedures_is_in_the_catalogue_as_written() -> None:
    lanes = _staff_lanes()
    assert len(lanes) >= 15
    assert {group_of_lane(lane): lane for lane in lanes}.items() <= catalogue().items()


def test_every_group_of_the_demo_users_has_a_display_name() -> None:
    users = safe_yaml.load((PROCESSES / "demo_users.yaml").read_bytes(), max_bytes=256 * 1024)["users"]
    groups = {group for user in users for group in user.get("groups", [])}
    assert groups and groups <= catalogue().keys()


@pytest.mark.parametrize("name, title", [
    ("mesa_entradas", "Mesa de Entradas"), ("direccion_comercio", "Dirección de Comercio"),
    ("atencion_vecino", "Atención al Vecino"), ("secretaria_hacienda", "Secretaría de Hacienda"),
    (None, ""), ("", ""),
])
def test_a_catalogued_group_reads_its_display_name(app: Flask, name: str | None, title: str) -> None:
    with app.app_context():
        assert group_title(name) == title


def test_a_group_outside_the_catalogue_reads_the_directorys_title_else_its_id(app: Flask) -> None:
    with app.app_context():
        ensure_group("bromatologia", "Bromatología Municipal")
        assert group_title("bromatologia") == "Bromatología Municipal"
        assert group_title("guardia_urbana") == "Guardia urbana"


def test_a_new_group_is_created_with_its_catalogue_name(app: Flask) -> None:
    with app.app_context():
        ensure_group("direccion_espacios_publicos")
        assert db.session.get(Group, "direccion_espacios_publicos").title == "Dirección de Espacios Públicos"
