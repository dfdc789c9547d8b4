"""Top-1 and top-3 accuracy of Migue's retrieval on a half of the question set (bench and tests share it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.assistant.index import GuideEntry, GuideIndex

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
#: The floors the issue sets for the held-out half.
TOP1_FLOOR = 0.75
TOP3_FLOOR = 0.90


@dataclass
class Accuracy:
    """How many questions found their page first, and within the first three."""

    total: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def rate(self, hits: int) -> float:
        return hits / self.total if self.total else 0.0


def questions(half: str) -> list[dict[str, Any]]:
    """The questions of one half: «ajuste» (tuning) or «reserva» (held out)."""
    data = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
    return [q for q in data["preguntas"] if q["conjunto"] == half]


def manifest_index() -> GuideIndex:
    """The index of processes/ as `tramites init` deploys it (the guide's manifests, straight from disk)."""
    paths = sorted((ROOT / "processes").glob("*/manifest.yaml"))
    manifests = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths]
    return GuideIndex([GuideEntry.from_manifest(m) for m in manifests if m.get("guia", True) is not False])


def measure(index: GuideIndex, half: str) -> Accuracy:
    """Search every question of ``half`` and count where its expected page ranks."""
    result = Accuracy()
    for q in questions(half):
        found = [hit.entry.link for hit in index.search(q["pregunta"], limit=3)]
        result.total += 1
        result.top1 += found[:1] == [q["pagina"]]
        result.top3 += q["pagina"] in found
        if found[:1] != [q["pagina"]]:
            result.misses.append((q["pregunta"], q["pagina"], found))
    return result
