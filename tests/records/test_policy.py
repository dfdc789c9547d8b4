"""The manifest's ``archivo`` block: what deploy accepts, what it refuses (in Spanish), and the
policy a deployed manifest gives."""

from __future__ import annotations

from typing import Any

import pytest

from engine.records.policy import DEFAULT_YEARS, Policy, policy_of, problems


@pytest.mark.parametrize(("archivo", "fields"), [
    ({"conservacion_anios": 5, "destino": "destruir"}, []),
    ({"conservacion_anios": 0, "destino": "transferir", "cierre_automatico_dias": 30}, []),
    ("diez años", ["archivo"]),
    ({"conservacion_anios": "5", "destino": "destruir"}, ["archivo.conservacion_anios"]),
    ({"conservacion_anios": True, "destino": "destruir"}, ["archivo.conservacion_anios"]),
    ({"conservacion_anios": 101, "destino": "destruir"}, ["archivo.conservacion_anios"]),
    ({"conservacion_anios": 5, "destino": "quemar"}, ["archivo.destino"]),
    ({"conservacion_anios": 5}, ["archivo.destino"]),
    ({"conservacion_anios": 5, "destino": "destruir", "cierre_automatico_dias": 0}, ["archivo.cierre_automatico_dias"]),
    ({"conservacion_anios": 5, "destino": "destruir", "anios": 3}, ["archivo"]),
])
def test_problems_name_the_field(archivo: Any, fields: list[str]) -> None:
    found = problems({"archivo": archivo})
    assert [field for field, _message in found] == fields
    assert all("«archivo" in message for _field, message in found)


def test_a_manifest_without_archivo_keeps_the_default() -> None:
    assert problems({"key": "k"}) == []
    assert policy_of({"key": "k"}) == Policy(years=DEFAULT_YEARS, disposition="destruir", auto_close_days=None)
    assert policy_of(None) == Policy()


def test_the_declared_policy() -> None:
    manifest = {"archivo": {"conservacion_anios": 3, "destino": "transferir", "cierre_automatico_dias": 15}}
    assert policy_of(manifest) == Policy(years=3, disposition="transferir", auto_close_days=15)
