"""Render and validate timings of the forms library: the rjsf ``large`` sample and a 100-field form.

Run as ``.venv/bin/python bench/forms.py``. Targets for the 100-field form on the CI
machine: render under 10 ms, validate under 5 ms (median). Schemas are compiled once and
cached by the library, as in production; the first call is left out of the figures.

The table compares each median with its target. ``--save FILE`` keeps the figures (JSON);
``--compare FILE`` adds them as a "before" column, with the speed-up, to judge a change::

    .venv/bin/python bench/forms.py --save /tmp/antes.json    # before the change
    .venv/bin/python bench/forms.py --compare /tmp/antes.json # after it
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import median_p95  # bench/common.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forms  # noqa: E402 - the repository root must be on the path first

LARGE = ROOT / ".." / "shared" / "corpora" / "rjsf-samples" / "large.json"
RUNS = 300
# (form, operation) -> the median it must stay under, in ms (issue 4).
TARGETS = {("100 campos", "render"): 10.0, ("100 campos", "validate"): 5.0}
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

Figures = dict[str, dict[str, float]]  # "form / operation" -> {"median": ms, "p95": ms}


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
    return median_p95(action, RUNS, clock=time.process_time)


def cases() -> list[tuple[str, dict[str, Any], Any, Any]]:
    """(name, schema, UI schema, data) of the forms measured."""
    found: list[tuple[str, dict[str, Any], Any, Any]] = []
    if LARGE.is_file():
        sample = json.loads(LARGE.read_text(encoding="utf-8"))
        found.append(("large (rjsf)", sample["schema"], sample["uiSchema"], sample["formData"]))
    else:
        print(f"(the large sample is not at {LARGE}; only the 100-field form is measured)")
    schema, data = hundred_fields()
    found.append(("100 campos", schema, None, data))
    return found


def run() -> Figures:
    """Every form's render and validate figures."""
    figures: Figures = {}
    for name, s, ui, values in cases():
        for operation, action in (
            ("render", lambda s=s, ui=ui, values=values: forms.render(s, ui, values)),
            ("validate", lambda s=s, values=values: forms.validate(s, values)),
        ):
            median, p95 = measure(action)
            figures[f"{name} / {operation}"] = {"median": median, "p95": p95}
    return figures


def table(figures: Figures, before: Figures | None = None) -> str:
    """The figures as a table: median and p95, the target and its margin, and "before" if given."""
    head = f"{'formulario':<14} {'operación':<10} {'mediana ms':>11} {'p95 ms':>8} {'objetivo':>9} {'estado':>12}"
    if before is not None:
        head += f" {'antes ms':>9} {'mejora':>7}"
    lines = [head, "-" * len(head)]
    for key, figure in figures.items():
        name, operation = key.split(" / ")
        median = figure["median"]
        line = f"{name:<14} {operation:<10} {median:>11.2f} {figure['p95']:>8.2f}"
        target = TARGETS.get((name, operation))
        if target is None:
            line += f" {'-':>9} {'-':>12}"
        else:
            state = f"ok ({median / target:.0%})" if median < target else "EXCEDIDO"
            line += f" {f'< {target:g}':>9} {state:>12}"
        old = (before or {}).get(key)
        if before is not None:
            line += f" {old['median']:>9.2f} {old['median'] / median:>6.1f}x" if old else f" {'-':>9} {'-':>7}"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--compare", type=Path, help="a JSON file written by --save: shown as 'antes'")
    args = parser.parse_args(argv)
    before = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    figures = run()
    print(table(figures, before))
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
