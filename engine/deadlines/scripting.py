"""Business days for analysts' code: ``dias_habiles(10)`` in a timer and date helpers in scripts.

Every helper counts with :meth:`Calendar.due_after` / :meth:`Calendar.add_business_days`, the
rule task SLAs use, so a timer, an SLA and a date shown to the citizen agree. The helpers read
the time from the engine's clock (passed in, never ``datetime.now()``) and the calendar lazily
(the holiday table is read only when a helper runs). They raise :class:`BusinessDayError` with a
Spanish message; the script engine turns it into the sandbox's error.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.dates import date_text
from engine.deadlines.holidays import Calendar

#: About ten years of business days: more is a mistake, and would scan the calendar for long.
MAX_DAYS = 2500

#: How each helper is written, for error messages and the analyst's guide.
USAGE = {
    "dias_habiles": "dias_habiles(n)",
    "dias_habiles_desde": "dias_habiles_desde(fecha, n)",
    "dias_habiles_entre": "dias_habiles_entre(desde, hasta)",
    "es_dia_habil": "es_dia_habil(fecha)",
    "vence_en_dias_habiles": "vence_en_dias_habiles(n)",
    "hoy": "hoy()",
    "fecha_texto": "fecha_texto(fecha)",
}
HELPER_NAMES = frozenset(USAGE)


class BusinessDayError(ValueError):
    """A helper was called with values it cannot count with (the message is for the analyst)."""


class BusinessDays(str):
    """What ``dias_habiles(n)`` gives: the text ``P<n>D``, marked as business days.

    A timer whose ``timeDuration`` evaluates to it is due at :meth:`Calendar.due_after` of ``n``;
    kept as text, it stays plain data if a script stores it (it then reads as ``P<n>D``, which a
    task's ``sla`` also counts in business days).
    """

    days: int

    def __new__(cls, days: int) -> BusinessDays:
        text = super().__new__(cls, f"P{days}D")
        text.days = days
        return text

    def __getnewargs__(self) -> tuple[int]:  # type: ignore[override]  # copies rebuild it from its days
        return (self.days,)


def helpers(now: Callable[[], datetime], calendar: Callable[[], Calendar]) -> dict[str, Callable[..., Any]]:
    """The helpers scripts and expressions see, bound to the engine's clock and the city's calendar.

    :param now: the engine's clock (aware datetimes).
    :param calendar: builds the city's calendar; called only when a helper needs it.
    """

    def dias_habiles(n: Any) -> BusinessDays:
        """A duration of ``n`` business days, for a timer's ``timeDuration``."""
        return BusinessDays(_days("dias_habiles", n))

    def dias_habiles_desde(fecha: Any, n: Any) -> str:
        """ISO date (``AAAA-MM-DD``) of the ``n``-th business day after ``fecha``."""
        cal = calendar()
        return cal.add_business_days(_day("dias_habiles_desde", fecha, cal), _days("dias_habiles_desde", n)).isoformat()

    def dias_habiles_entre(desde: Any, hasta: Any) -> int:
        """How many business days lie after ``desde`` up to and including ``hasta`` (0 when not later)."""
        cal = calendar()
        return cal.business_days_between(_day("dias_habiles_entre", desde, cal), _day("dias_habiles_entre", hasta, cal))

    def es_dia_habil(fecha: Any) -> bool:
        """Whether ``fecha`` is a business day in the city (not a weekend, not a holiday)."""
        cal = calendar()
        return cal.is_business_day(_day("es_dia_habil", fecha, cal))

    def vence_en_dias_habiles(n: Any) -> str:
        """ISO date-time (city time) at which ``dias_habiles(n)`` started now falls due."""
        cal = calendar()
        return cal.due_after(now(), _days("vence_en_dias_habiles", n)).astimezone(cal.zone).isoformat()

    def hoy() -> str:
        """Today's date in the city (``AAAA-MM-DD``), on the engine's clock."""
        return calendar().local_date(now()).isoformat()

    def fecha_texto(fecha: Any) -> str:
        """``fecha`` as people read it, ``dd/mm/aaaa`` (a moment: its date in the city)."""
        return date_text(_day("fecha_texto", fecha, calendar()))

    found: list[Callable[..., Any]] = [dias_habiles, dias_habiles_desde, dias_habiles_entre, es_dia_habil,
                                       vence_en_dias_habiles, hoy, fecha_texto]
    return {f.__name__: f for f in found}


def literal_problems(source: str, mode: str = "eval") -> list[str]:
    """Problems of helper calls whose arguments are all literals, found at deploy time.

    ``dias_habiles('diez')`` or ``dias_habiles_desde('4/12/2026', 3)`` would only fail when the
    case reaches them; calls whose arguments are variables are known at run time only and pass.

    :param mode: ``"eval"`` for an expression, ``"exec"`` for a script.
    :return: Spanish messages (empty when nothing is wrong or the code does not parse: the
        compile check reports that).
    """
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except (SyntaxError, ValueError):
        return []
    found = helpers(lambda: datetime(2000, 1, 3, tzinfo=UTC), lambda: Calendar(ZoneInfo("UTC")))
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in found):
            continue
        try:
            args = [ast.literal_eval(arg) for arg in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue  # a variable or an expression: known when the case runs
        try:
            found[node.func.id](*args, **kwargs)
        except BusinessDayError as e:
            problems.append(str(e))
        except TypeError:
            problems.append(f"{node.func.id}: se escribe {USAGE[node.func.id]}.")
    return problems


def _days(helper: str, n: Any) -> int:
    """``n`` as a count of days, or a Spanish error naming the helper."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DAYS:
        raise BusinessDayError(f"{USAGE[helper]}: la cantidad de días debe ser un número entero entre 0 y "
                               f"{MAX_DAYS} (se recibió «{_shown(n)}»).")
    return n


def _day(helper: str, value: Any, calendar: Calendar) -> date:
    """The city's date of ``value``: a date, an aware moment, or ISO text of either.

    A moment without zone is read as city time (what an analyst writes); stored moments are aware.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip()) if "T" in value or " " in value.strip() \
                else date.fromisoformat(value.strip())
        except ValueError:
            raise BusinessDayError(f"{USAGE[helper]}: «{_shown(value)}» no es una fecha; "
                                   "escríbala como AAAA-MM-DD.") from None
    if isinstance(value, datetime):
        return calendar.local_date(value) if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    raise BusinessDayError(f"{USAGE[helper]}: se esperaba una fecha (AAAA-MM-DD) y se recibió «{_shown(value)}».")


def _shown(value: Any) -> str:
    """A short quote of a wrong value (a container is named by its kind, never written out)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float) and abs(value) < 10**30:
        text = repr(value)
    else:
        text = {list: "lista", dict: "objeto", type(None): "None"}.get(type(value), type(value).__name__)
    return text if len(text) <= 40 else text[:40] + "…"
