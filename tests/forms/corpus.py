"""The rjsf playground samples (../shared/corpora/rjsf-samples), for tests to iterate over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "rjsf-samples"


def sample_names() -> list[str]:
    """The samples' names, or one placeholder that skips when the corpus is not there."""
    if not CORPUS.is_dir():
        return ["(sin corpus)"]
    return sorted(p.stem for p in CORPUS.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    """One sample: ``schema``, ``uiSchema``, ``formData``, ``_dropped``..."""
    path = CORPUS / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"corpus not found at {CORPUS.resolve()} (the shared corpora folder is absent)")
    return json.loads(path.read_text(encoding="utf-8"))
