"""Render and validate timings of the forms library: the rjsf ``large`` sample and a 100-field form.

Run as ``.venv/bin/python bench/forms.py``. Targets for the 100-field form on the CI
machine: render under 10 ms, validate under 5 ms (median). Schemas are compiled once and
cached by the library, as in production; the first call is left out of the figures.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forms  # noqa: E402 - the repository root must be on the path first

LARGE = ROOT / ".." / "shared" / "corpora" / "rjsf-samples" / "large.json"
RUNS = 300
KINDS: list[tuple[dict[str, Any], Any]] = [
    ({"type": "string", "minLength": 1, "maxLength": 80}, "texto de prueba"),
    ({"type": "integer", "minimum": 0, "maximum": 1000}, 42),
    ({"type": "number", "multipleOf": 0.01}, 12.5),
    ({"type": "boolean"}, True),
    ({"type": "string", "enum": [f"opción {i}" for i in range(20)]}, "opción 7"),
    ({"type": "string", "format": "email"}, "vecino@smt.gob.ar"),
    ({"type": "string", "format": "date"}, "2025-03-01"),
    ({"type": "array", "items": {"type": "string"}}, ["uno", "dos"]),
    ({"type": "object", "properties": {"calle": {"type": "string"}, "numero": {"type": "integer"}}},
     {"calle": "San Martín", "numero": 550}),
    ({"type": "string", "format": "uri"}, "https://smt.gob.ar"),
]


def hundred_fields() -> tuple[dict[str, Any], dict[str, Any]]:
    """A 100-field form mixing every common kind of field, and data that fills it."""
    properties, data = {}, {}
    for i in range(100):
        schema, value = KINDS[i % len(KINDS)]
        properties[f"campo_{i:03d}"] = {**schema, "title": f"Campo {i}"}
        data[f"campo_{i:03d}"] = value
    schema = {"title": "Formulario de 100 campos", "type": "object", "properties": properties,
              "required": [f"campo_{i:03d}" for i in range(0, 100, 3)]}
    return schema, data


def measure(action: Callable[[], Any]) -> tuple[float, float]:
    """Median and 95th percentile of ``action``, in milliseconds of CPU time.

    CPU time, not wall time: the CI machine is shared, and other jobs' load would show up
    in wall-clock figures as if it were ours.
    """
    action()
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        action()
        times.append((time.process_time() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    cases: list[tuple[str, dict[str, Any], Any, Any]] = []
    if LARGE.is_file():
        sample = json.loads(LARGE.read_text(encoding="utf-8"))
        cases.append(("large (rjsf)", sample["schema"], sample["uiSchema"], sample["formData"]))
    else:
        print(f"(the large sample is not at {LARGE}; only the 100-field form is measured)")
    schema, data = hundred_fields()
    cases.append(("100 campos", schema, None, data))
    print(f"{'formulario':<14} {'operación':<10} {'mediana ms':>11} {'p95 ms':>8}")
    for name, s, ui, values in cases:
        for operation, action in (
            ("render", lambda s=s, ui=ui, values=values: forms.render(s, ui, values)),
            ("validate", lambda s=s, values=values: forms.validate(s, values)),
        ):
            median, p95 = measure(action)
            print(f"{name:<14} {operation:<10} {median:>11.2f} {p95:>8.2f}")


if __name__ == "__main__":
    main()
