"""Timer expressions checked at deploy the way the engine evaluates them when the timer starts.

A BPMN ``timeDuration``/``timeDate``/``timeCycle`` is a Python expression over the case data:
``"P15D"`` (quoted) is a literal; ``P15D`` unquoted is a variable name that does not exist, so
it would fail only when a case reaches the timer. The business-day form ``dias_habiles(10)``
(decision 3 of #17) is a call the timer runtime understands.
"""

from __future__ import annotations

import ast
import re
from datetime import datetime

from engine import sandbox
from engine.deadlines.scripting import literal_problems

BUSINESS_DAYS = "dias_habiles"
_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(?:[.,]\d+)?S)?)?$", re.IGNORECASE)
_CYCLE = re.compile(r"^R(\d*)/(.+)$", re.IGNORECASE)
# what an analyst writes when they forget the quotes: a duration, a date or a cycle
_BARE_ISO = re.compile(r"^(P[0-9YMWDTHS.,]*|R\d*/\S+|\d{4}-\d{2}-\d{2}\S*)$", re.IGNORECASE)
_KINDS = {"timeDuration": "duración", "timeDate": "fecha", "timeCycle": "repetición"}
_EXAMPLES = {
    "timeDuration": '"P15D", "PT4H" o dias_habiles(10)',
    "timeDate": '"2026-12-21T10:00:00-03:00"',
    "timeCycle": '"R3/PT1H"',
}


def timer_problems(kind: str, text: str | None) -> list[str]:
    """Every reason the timer expression of a ``kind`` element (``timeDuration``…) cannot run."""
    source = (text or "").strip()
    noun = _KINDS.get(kind, "expresión")
    if not source:
        return [f"El temporizador no tiene {noun}: escriba por ejemplo {_EXAMPLES.get(kind, '')}."]
    if _BARE_ISO.match(source):
        return [f"«{source}» sin comillas es un nombre de variable, no una {noun}: "
                f"ponga la {noun} entre comillas: \"{source}\"."]
    errors = sandbox.check_compiles(source, "eval")
    if errors:
        return [f"La expresión del temporizador «{source[:80]}» no compila: {e}" for e in errors]
    body = ast.parse(source, mode="eval").body
    if isinstance(body, ast.Constant) and isinstance(body.value, str):
        return _literal_problems(kind, body.value.strip())
    if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id == BUSINESS_DAYS:
        shape = _business_days_problems(kind, body)
        if shape:
            return shape
    # the date helpers' own check of literal arguments (dias_habiles('diez')); anything else is
    # an expression over the case data, whose value is only known when the timer starts
    return literal_problems(source, "eval")


def _literal_problems(kind: str, value: str) -> list[str]:
    valid = {"timeDuration": _is_duration, "timeDate": _is_date, "timeCycle": _is_cycle}.get(kind, _is_any)
    if valid(value):
        return []
    return [f"«{value}» no es una {_KINDS.get(kind, 'expresión')} ISO 8601 válida "
            f"(ejemplos: {_EXAMPLES.get(kind, '')})."]


def _business_days_problems(kind: str, call: ast.Call) -> list[str]:
    if kind != "timeDuration":
        return [f"{BUSINESS_DAYS}(n) es una duración: úsela en un temporizador de duración (timeDuration)."]
    if len(call.args) != 1 or call.keywords:
        return [f"{BUSINESS_DAYS}(n) recibe un solo número de días hábiles, por ejemplo {BUSINESS_DAYS}(10)."]
    return []


def _is_duration(value: str) -> bool:
    return bool(_DURATION.match(value))


def _is_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_cycle(value: str) -> bool:
    match = _CYCLE.match(value)
    if not match:
        return False
    parts = match.group(2).replace("--", "/").split("/")
    return 1 <= len(parts) <= 2 and all(_is_duration(p) or _is_date(p) for p in parts)


def _is_any(value: str) -> bool:
    return _is_duration(value) or _is_date(value) or _is_cycle(value)
