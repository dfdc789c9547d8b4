"""One run of analysts' code: its operation budget, deadline and the guards RestrictedPython's output calls.

- an operation budget: every loop pass, function or lambda call, iteration step, attribute and
  item access counts, and every count also checks a wall-clock deadline; once exceeded, every
  later count fails again, so a script cannot swallow the error with ``except``;
- size checks before the operations that amplify in one step (``*``, ``**``, ``<<``, ``+`` of
  sequences, ``%`` and format widths, padding methods, ``join``, ``replace``, ``translate``,
  ``extend``, ``to_bytes``, ``range``, ``*``/``**`` unpacking in displays), a running total of what
  they and slices allocate, and an estimate of the text of a container before ``str``, ``repr``,
  ``format``, ``json.dumps``, ``print`` or ``%`` write it (:mod:`bounds.sizes`).
"""

from __future__ import annotations

import operator
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence

from bounds.limits import (
    ROUND_DIGITS,
    modular_work,
    power_bits,
    product_bits,
    shift_bits,
)
from bounds.limits import Limits as SharedLimits
from bounds.sizes import estimated_size, is_container, text_size
from engine.sandbox.builtins import (
    BUILTINS,
    DecimalType,
    IntType,
    PrintSink,
    SafeFormatter,
    StrType,
    apply,
    checked,
    json_module,
)
from engine.sandbox.compiling import BLOCKED_ATTRIBUTES, FILENAME, ScriptError


@dataclass(frozen=True)
class Limits(SharedLimits):
    """Bounds of one evaluation or script run: the shared ones, and the size of what it leaves."""

    data_size: int = 10_000_000  # characters of the task data a run leaves, as JSON would write them


_SEQUENCES = (str, bytes, list, tuple)
_SIZED_METHODS = frozenset({"center", "expandtabs", "extend", "format", "join", "ljust", "replace", "rjust",
                            "to_bytes", "translate", "zfill"})
_INPLACE: dict[str, tuple[Callable[[Any, Any], Any], str | None]] = {
    "+=": (operator.iadd, "_check_add"), "-=": (operator.isub, None), "*=": (operator.imul, "_check_mul"),
    "/=": (operator.itruediv, None), "//=": (operator.ifloordiv, None), "%=": (operator.imod, "_check_mod"),
    "**=": (operator.ipow, "_check_pow"), "<<=": (operator.ilshift, "_check_lshift"),
    ">>=": (operator.irshift, None), "|=": (operator.ior, None), "^=": (operator.ixor, None),
    "&=": (operator.iand, None), "@=": (operator.imatmul, None),
}
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")
_CONVERSIONS: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}  # f"{x!s}", !r, !a


class _Budget:
    """The operation budget, deadline and allocation total of one run."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.operations = 0
        self.allocated = 0
        self.deadline = time.monotonic() + limits.seconds
        self.failure: str | None = None
        self.failure_line: int | None = None

    # budget
    def tick(self) -> None:
        self.operations += 1
        if self.failure is not None or self.operations > self.limits.operations or time.monotonic() > self.deadline:
            self._stop()

    def _stop(self, reason: str | None = None) -> NoReturn:
        """Fail now and at every later check: the first reason and line stay."""
        if self.failure is None:
            if reason is None and self.operations > self.limits.operations:
                reason = f"el script superó el límite de {self.limits.operations} operaciones"
            self.failure = reason or f"el script superó el tiempo máximo de {self.limits.seconds:g} s"
            self.failure_line = _current_line()
        raise ScriptError(self.failure, line=self.failure_line)

    def allocate(self, size: int) -> None:
        if size > self.limits.sequence_length:
            raise ScriptError(f"el resultado tendría {size} elementos; el máximo es {self.limits.sequence_length}")
        self.allocated += max(size, 0)
        if self.allocated > self.limits.allocation:
            self._stop(f"el script superó el límite de {self.limits.allocation} elementos creados")
        self.tick()

    def check_after(self) -> None:
        """Fail a run whose script caught the budget error and went on, or whose last operation ran past the deadline.

        One C-level operation cannot be interrupted; when it ends after the deadline the run still
        fails (an incident), rather than succeeding late.
        """
        if self.failure is not None or time.monotonic() > self.deadline:
            self._stop()

    # text
    def check_text(self, value: Any) -> None:
        """Refuse to write a container whose text would pass the length of one result."""
        if is_container(value) and text_size(value, self.limits.sequence_length) > self.limits.sequence_length:
            raise ScriptError(f"el texto resultante sería demasiado largo (más de {self.limits.sequence_length} "
                              "caracteres)")


class _Operators(_Budget):
    """Operators that can amplify in one step, checked before they run."""

    def inplacevar(self, op: str, left: Any, right: Any) -> Any:
        function, check = _INPLACE[op]
        if check is not None:
            getattr(self, check)(left, right)
        return function(left, right)

    # operators that can amplify in one step
    def add(self, left: Any, right: Any) -> Any:
        self._check_add(left, right)
        return left + right

    def mul(self, left: Any, right: Any) -> Any:
        self._check_mul(left, right)
        return left * right

    def pow_(self, base: Any, exponent: Any, modulus: Any = None) -> Any:
        if modulus is not None:
            self._check_modular(exponent, modulus)
            return pow(base, exponent, modulus)
        self._check_pow(base, exponent)
        return base**exponent

    def round_(self, number: Any, ndigits: Any = None) -> Any:
        if isinstance(ndigits, int) and abs(ndigits) > ROUND_DIGITS:
            raise ScriptError(f"round(): no se puede redondear a más de {ROUND_DIGITS} dígitos")
        return round(number) if ndigits is None else round(number, ndigits)

    def lshift(self, left: Any, right: Any) -> Any:
        self._check_lshift(left, right)
        return left << right

    def mod(self, left: Any, right: Any) -> Any:
        self._check_mod(left, right)
        return left % right

    def _check_add(self, left: Any, right: Any) -> None:
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            self.allocate(len(left) + len(right))

    def _check_mul(self, left: Any, right: Any) -> None:
        if isinstance(right, _SEQUENCES) and isinstance(left, int):
            left, right = right, left
        if isinstance(left, int) and isinstance(right, int):
            self.check_bits(product_bits(left, right))
        elif isinstance(left, _SEQUENCES) and isinstance(right, int):
            self.allocate(len(left) * right)
            if right > 1 and isinstance(left, list | tuple):  # [big] * 1000 repeats what it holds
                self._check_repeated(left, right)

    def _check_repeated(self, items: list[Any] | tuple[Any, ...], times: int) -> None:
        limit = self.limits.data_size
        if text_size(items, limit // times) * times > limit:
            raise ScriptError(f"el resultado repetiría demasiados datos (más de {limit} caracteres)")

    def _check_pow(self, base: Any, exponent: Any) -> None:
        if isinstance(base, int) and isinstance(exponent, int):
            self.check_bits(power_bits(base, exponent))

    def _check_modular(self, exponent: Any, modulus: Any) -> None:
        if isinstance(exponent, int) and isinstance(modulus, int) and \
                modular_work(exponent, modulus) > self.limits.modular_work:
            raise ScriptError(f"pow() con módulo: {exponent.bit_length()} bits de exponente y "
                              f"{modulus.bit_length()} de módulo son demasiado costosos (4096 y 4096 se admiten)")

    def _check_lshift(self, left: Any, right: Any) -> None:
        if isinstance(left, int) and isinstance(right, int):
            self.check_bits(shift_bits(left, right))

    def check_bits(self, bits: int) -> None:
        if bits > self.limits.int_bits:
            raise ScriptError(f"el número resultante sería demasiado grande (más de {self.limits.int_bits} bits)")

    def _check_mod(self, template: Any, values: Any) -> None:
        if not isinstance(template, str | bytes):
            return
        text = template.decode("latin-1") if isinstance(template, bytes) else template
        specs = _PRINTF.findall(text)
        for width, precision in specs:
            self._check_width(width)
            self._check_width(precision)
        items = values.values() if isinstance(values, Mapping) else values if isinstance(values, tuple) else (values,)
        for value in items:
            self.check_text(value)
        longest = max((len(v) if isinstance(v, _SEQUENCES) else 32 for v in items), default=0)
        self.allocate(len(text) + len(specs) * max(longest, 32))

    def _check_width(self, width: str) -> None:
        if width == "*" or (width and int(width) > self.limits.sequence_length):
            raise ScriptError(f"ancho de formato no permitido: {width}")


class Run(_Operators):
    """Budget and guards of one evaluation or script run; never shared between threads."""

    def namespace(self) -> dict[str, Any]:
        """The names RestrictedPython's output calls, plus the builtins bound to this run."""
        builtins = {**BUILTINS, "getattr": self.getattr_, "hasattr": self.hasattr_, "format": self.format_,
                    "range": self.range_, "pow": self.pow_, "round": self.round_, "iter": self.getiter,
                    "str": StrType(self), "int": IntType(self),
                    "repr": checked(self, repr), "ascii": checked(self, ascii), "json": json_module(self)}
        return {
            "__builtins__": builtins, "_getattr_": self.getattr_, "_getitem_": self.getitem,
            "_getiter_": self.getiter, "_write_": full_write_guard, "_inplacevar_": self.inplacevar,
            "_unpack_sequence_": guarded_unpack_sequence, "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_print_": self.printer, "_apply_": apply, "_tick_": self.tick, "_add_": self.add, "_mul_": self.mul,
            "_pow_": self.pow_, "_lshift_": self.lshift, "_mod_": self.mod, "_format_": self.format_value,
            "_augitem_": self.augitem, "_star_": self.star,
        }

    def printer(self, _getattr_: Any = None) -> PrintSink:
        """RestrictedPython's ``_print_``: where a script's ``print`` goes."""
        return PrintSink(self)

    # access
    def getattr_(self, obj: Any, name: Any, *default: Any) -> Any:
        self.tick()
        if not isinstance(name, str):
            raise ScriptError("el nombre de un atributo debe ser texto")
        if name.startswith("_") or name in BLOCKED_ATTRIBUTES:
            raise ScriptError(f"acceso a atributo '{name}' no permitido")
        if name in _SIZED_METHODS:
            if isinstance(obj, type | DecimalType | StrType):  # str.ljust(s, n) would skip the size check
                raise ScriptError(f"use '{name}' sobre un valor, no sobre el tipo")
            if _is_sized(obj, name):
                return self._sized_method(obj, name)
        return getattr(obj, name, *default)

    def hasattr_(self, obj: Any, name: str) -> bool:
        try:
            self.getattr_(obj, name)
        except AttributeError:
            return False
        return True

    def getitem(self, obj: Any, key: Any) -> Any:
        self.tick()
        value = obj[key]
        if type(key) is slice and isinstance(value, _SEQUENCES):  # slices copy
            self.allocate(len(value))
        return value

    def getiter(self, obj: Any) -> Iterator[Any]:
        self.tick()
        return self._counted(iter(obj))

    def _counted(self, iterator: Iterator[Any]) -> Iterator[Any]:
        for item in iterator:
            self.tick()
            yield item

    def augitem(self, obj: Any, key: Any, op: str, value: Any) -> None:
        full_write_guard(obj)[key] = self.inplacevar(op, self.getitem(obj, key), value)

    # formatting
    def format_value(self, value: Any, conversion: int, spec: str) -> str:
        """An f-string field: ``f"{value!r:>10}"``."""
        if conversion in _CONVERSIONS:
            self.check_text(value)
            value = _CONVERSIONS[conversion](value)
        return self.format_(value, spec)

    def format_(self, value: Any, spec: str = "") -> str:
        for width in _NUMBER.findall(spec):
            self._check_width(width)
        self.check_text(value)
        text = format(value, spec)
        self.allocate(len(text))
        return text

    def range_(self, *args: int) -> range:
        numbers = range(*args)
        try:
            length = len(numbers)
        except OverflowError:
            length = self.limits.sequence_length + 1
        if length > self.limits.sequence_length:
            raise ScriptError(f"range() de {length} elementos; el máximo es {self.limits.sequence_length}")
        return numbers

    def _sized_method(self, obj: Any, name: str) -> Callable[..., Any]:
        # A closure, not functools.partial: a partial's public .func would hand the script this run.
        def call(*args: Any, **kwargs: Any) -> Any:
            if name == "format":
                return SafeFormatter(self).vformat(obj, args, kwargs)
            if name == "join":
                return self._join(obj, *args, **kwargs)
            if name == "extend":
                return self._extend(obj, *args, **kwargs)
            if name == "to_bytes":
                return self._to_bytes(obj, *args, **kwargs)
            self.allocate(estimated_size(obj, name, args, kwargs))
            return getattr(obj, name)(*args, **kwargs)

        return call

    def _join(self, separator: str | bytes, iterable: Iterable[Any]) -> Any:
        items = list(iterable)
        parts = sum(len(item) for item in items if isinstance(item, _SEQUENCES))
        self.allocate(parts + len(separator) * max(len(items) - 1, 0))
        return separator.join(items)

    def _extend(self, target: list[Any], iterable: Iterable[Any]) -> None:
        items = list(iterable)
        self.allocate(len(target) + len(items))
        target.extend(items)

    def _to_bytes(self, number: int, length: int = 1, *args: Any, **kwargs: Any) -> bytes:
        if isinstance(length, int):
            self.allocate(length)
        return number.to_bytes(length, *args, **kwargs)

    def star(self, value: Any) -> Any:
        """``*value`` or ``**value`` in a list, tuple, set, dict or call: the copy counts as allocated."""
        self.tick()
        if not hasattr(value, "__len__"):
            value = list(self._counted(iter(value)))
        self.allocate(len(value))
        return value


def _is_sized(obj: Any, name: str) -> bool:
    if name == "to_bytes":
        return isinstance(obj, int)
    return isinstance(obj, str | bytes) or (name == "extend" and isinstance(obj, list))


def _current_line() -> int | None:
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != FILENAME:
        frame = frame.f_back  # type: ignore[assignment]
    return None if frame is None else frame.f_lineno
