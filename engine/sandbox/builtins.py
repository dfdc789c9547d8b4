"""What a sandboxed script may call: curated builtins, and the types and helpers that guard them.

The names here are shared by every run; the ones that must count against one run's limits
(``str``, ``repr``, ``ascii``, ``json.dumps``, ``print``, ``str.format``) take that run's
:class:`Guards` and are built by :meth:`engine.sandbox.running.Run.namespace`.
"""

from __future__ import annotations

import _string  # CPython's field-name splitter, the one str.format itself uses
import json
import math
import string
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Protocol

from RestrictedPython.PrintCollector import PrintCollector

from engine.sandbox.compiling import ScriptError

DECIMAL_DIGITS = 4300  # as sys.int_info.default_max_str_digits: int(Decimal) beyond it takes seconds


class Guards(Protocol):
    """The checks of one run that the helpers here call."""

    def check_text(self, value: Any) -> None: ...
    def check_bits(self, bits: int) -> None: ...
    def getattr_(self, obj: Any, name: Any, *default: Any) -> Any: ...
    def getitem(self, obj: Any, key: Any) -> Any: ...
    def format_(self, value: Any, spec: str = "") -> str: ...


class PrintSink(PrintCollector):
    """``print`` in a script: kept up to a bound (readable as ``printed``), never written anywhere."""

    def __init__(self, guards: Guards) -> None:
        super().__init__()
        self.guards = guards

    def write(self, text: str) -> None:
        if len(self.txt) < 1000:
            self.txt.append(text[:10_000])

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        if kwargs.get("file") is not None:
            raise ScriptError("print: 'file' no permitido")
        for obj in (*objects, kwargs.get("sep"), kwargs.get("end")):
            self.guards.check_text(obj)
        super()._call_print(*objects, **kwargs)


class DecimalType:
    """``Decimal`` for scripts: refuses magnitudes whose ``int()`` would take seconds."""

    def __call__(self, value: Any = "0", context: Any = None) -> Decimal:
        number = Decimal(value, context)
        if number.is_finite() and number and abs(number.adjusted()) > DECIMAL_DIGITS:
            raise ScriptError(f"número decimal fuera de rango (más de {DECIMAL_DIGITS} dígitos)")
        return number

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, Decimal)

    def __subclasscheck__(self, cls: Any) -> bool:
        return isinstance(cls, type) and issubclass(cls, Decimal)

    def __getattr__(self, name: str) -> Any:  # Decimal.from_float...; the guard refuses "_" names first
        return getattr(Decimal, name)


class StrType:
    """``str`` for scripts: the text of a container is estimated before it is built.

    ``str([big] * 1000)`` would otherwise write the same big list a thousand times in one C call.
    """

    def __init__(self, guards: Guards) -> None:
        self._guards = guards

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if args:
            self._guards.check_text(args[0])
        return str(*args, **kwargs)

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, str)

    def __subclasscheck__(self, cls: Any) -> bool:
        return isinstance(cls, type) and issubclass(cls, str)

    def __getattr__(self, name: str) -> Any:  # str.upper...; the guard refuses "_" names and sized methods first
        return getattr(str, name)


class IntType:
    """``int`` for scripts: ``int('f' * 10**6, 16)`` and ``int.from_bytes`` must not build an integer whose
    division would then take minutes; the result's bits are checked against the run's limit."""

    def __init__(self, guards: Guards) -> None:
        self._guards = guards

    def __call__(self, *args: Any, **kwargs: Any) -> int:
        return self._checked(int(*args, **kwargs))

    def from_bytes(self, *args: Any, **kwargs: Any) -> int:
        return self._checked(int.from_bytes(*args, **kwargs))

    def _checked(self, number: int) -> int:
        self._guards.check_bits(number.bit_length())
        return number

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, int)

    def __subclasscheck__(self, cls: Any) -> bool:
        return isinstance(cls, type) and issubclass(cls, int)

    def __getattr__(self, name: str) -> Any:  # int.bit_length...; the guard refuses "_" names first
        return getattr(int, name)


def checked(guards: Guards, function: Callable[[Any], str]) -> Callable[[Any], str]:
    """``repr`` or ``ascii`` with the text of its argument estimated first."""

    def call(value: Any) -> str:
        guards.check_text(value)
        return function(value)

    call.__name__ = function.__name__
    return call


def json_module(guards: Guards) -> SimpleNamespace:
    """``json`` for scripts: ``dumps`` with bounded indentation and an estimated size, and ``loads``."""

    def dumps(obj: Any, *, indent: int | None = None, sort_keys: bool = False, ensure_ascii: bool = False) -> str:
        if indent is not None and not 0 <= indent <= 16:
            raise ScriptError("json.dumps: indent debe estar entre 0 y 16")
        guards.check_text(obj)
        return json.dumps(obj, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii)

    return SimpleNamespace(dumps=dumps, loads=json.loads)


class SafeFormatter(string.Formatter):
    """``str.format`` whose fields go through the run's attribute and item guards."""

    def __init__(self, guards: Guards) -> None:
        self.guards = guards

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = self.guards.getattr_(obj, key) if is_attribute else self.guards.getitem(obj, key)
        return obj, first

    def format_field(self, value: Any, format_spec: str) -> str:
        return self.guards.format_(value, format_spec)


def _sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    if not isinstance(start, int | float | complex | Decimal):
        raise ScriptError("sum() solo suma números; para unir listas o textos use extend o join")
    return sum(iterable, start)


def apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """RestrictedPython's ``_apply_``: a call with ``*args`` or ``**kwargs``."""
    return function(*args, **kwargs)


def _internal_import(name: str, *args: Any, **kwargs: Any) -> Any:
    """``__import__`` for C code only (``strftime`` imports ``time``, ``strptime`` ``_strptime``).

    Scripts cannot name it: names starting with ``_`` and ``import`` are refused when compiling.
    """
    if name not in ("time", "_strptime"):
        raise ScriptError("import no permitido")
    return __import__(name, *args, **kwargs)


_MATH = SimpleNamespace(**{name: getattr(math, name) for name in (
    "ceil", "floor", "trunc", "sqrt", "exp", "log", "log10", "log2", "pow", "fabs", "fsum", "gcd",
    "isclose", "isfinite", "isinf", "isnan", "pi", "e", "inf", "nan", "sin", "cos", "tan", "hypot", "copysign",
)})
_EXCEPTIONS = (
    ArithmeticError, AssertionError, AttributeError, Exception, IndexError, KeyError, LookupError, NameError,
    NotImplementedError, OverflowError, RecursionError, RuntimeError, StopIteration, TypeError, UnicodeError,
    ValueError, ZeroDivisionError,
)
#: Builtins every run shares; :meth:`engine.sandbox.running.Run.namespace` adds the run-bound ones.
BUILTINS: dict[str, Any] = {
    **{cls.__name__: cls for cls in _EXCEPTIONS},
    **{f.__name__: f for f in (
        abs, all, any, bool, callable, chr, dict, divmod, enumerate, filter, float, frozenset, hash, hex,
        int, isinstance, issubclass, len, list, map, max, min, next, oct, ord, reversed, round, set, slice,
        sorted, tuple, zip,
    )},
    "__import__": _internal_import, "sum": _sum, "None": None, "True": True, "False": False,
    "date": date, "datetime": datetime, "timedelta": timedelta, "timezone": timezone, "Decimal": DecimalType(),
    "math": _MATH,
}
