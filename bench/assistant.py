"""Migue's retrieval: top-1 and top-3 accuracy on the held-out half of tests/assistant/questions.yaml.

The targets are the issue's: top-3 ≥ 90 %, top-1 ≥ 75 % on the «reserva» half (never used for
tuning); the «ajuste» half is printed too, for comparison. The index is built from the guide's
manifests in processes/, the content `tramites init` deploys.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The worktree's platform first: this folder (sys.path[0]) has an engine.py of its own.
sys.path.insert(0, str(ROOT))

from tests.assistant.accuracy import TOP1_FLOOR, TOP3_FLOOR, manifest_index, measure  # noqa: E402


def main() -> int:
    started = time.perf_counter()
    index = manifest_index()
    built = time.perf_counter() - started
    print(f"índice: {len(index.entries)} trámites de la guía, armado en {built * 1000:.1f} ms")
    for half in ("ajuste", "reserva"):
        result = measure(index, half)
        print(f"{half}: {result.total} preguntas · top-1 {result.rate(result.top1):.1%} · "
              f"top-3 {result.rate(result.top3):.1%}")
    held_out = measure(index, "reserva")
    ok = held_out.rate(held_out.top1) >= TOP1_FLOOR and held_out.rate(held_out.top3) >= TOP3_FLOOR
    verdict = "cumplidas" if ok else "NO cumplidas"
    print(f"metas en reserva (top-1 ≥ {TOP1_FLOOR:.0%}, top-3 ≥ {TOP3_FLOOR:.0%}): {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
