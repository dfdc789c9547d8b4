"""Every procedure of ``processes/`` declares its records policy, and a valid one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.records.policy import FIELD, problems

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
MANIFESTS = sorted(PROCESSES.glob("*/manifest.yaml"))


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.parent.name)
def test_each_sample_procedure_declares_a_valid_archive_policy(manifest: Path) -> None:
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    assert FIELD in data, f"{manifest.parent.name} declares no «archivo»"
    assert problems(data) == []
