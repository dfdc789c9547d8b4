"""Every procedure of ``processes/`` states its duration twice, for people and for the platform: they agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.procedures.conftest import PROCESSES

MANIFESTS = sorted(PROCESSES.glob("*/manifest.yaml"))
#: "15 días hábiles", "1 día hábil" inside the guide's free text.
BUSINESS_DAYS = re.compile(r"\b(\d+) d[ií]as? h[aá]bil(?:es)?\b")


def test_every_procedure_folder_has_a_manifest() -> None:
    folders = sorted(p for p in PROCESSES.iterdir() if p.is_dir())
    assert folders and [m.parent for m in MANIFESTS] == folders


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.parent.name)
def test_the_duration_in_business_days_matches_the_guide_text(manifest: Path) -> None:
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    assert data["key"] == manifest.parent.name
    days = data.get("plazo_dias_habiles")
    assert isinstance(days, int) and not isinstance(days, bool) and days >= 0, days
    stated = BUSINESS_DAYS.findall(str(data.get("expected_duration") or ""))
    assert stated == [str(days)], (data.get("expected_duration"), days)
