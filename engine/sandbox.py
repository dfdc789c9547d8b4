"""The restricted interpreter for analysts' code: scripts, conditions, DMN cells, timer and
service-parameter expressions.

SpiffWorkflow's script engine delegates to an *environment*; the library's own
(``TaskDataEnvironment``) runs ``exec``/``eval`` with every builtin. :class:`SandboxedEnvironment`
keeps its data semantics (task data in, assigned names out, functions and helpers removed) but
compiles with RestrictedPython through :class:`_Transformer` and runs with curated builtins and
guards that belong to one run (:class:`_Run`):

- no imports, classes, names or attributes starting with ``_``, introspection attributes
  (``gi_frame``, ``f_globals``...), ``exec``/``eval``/``open``/``type``...; ``str.format`` goes
  through a formatter that applies the same attribute guard;
- an operation budget: every loop pass, function or lambda call, iteration step, attribute and
  item access counts, and every count also checks a wall-clock deadline; once exceeded, every
  later count fails again, so a script cannot swallow the error with ``except``;
- size checks before the operations that amplify in one step (``*``, ``**``, ``<<``, ``+`` of
  sequences, ``%`` and format widths, padding methods, ``join``, ``replace``, ``extend``,
  ``range``), and a running total of what they and slices allocate.

Limits that remain: one C-level call on data that is already within the limits (``sorted`` of a
million items) runs to its end before the next check; copies made by constructors and plain
string methods (``list(x)``, ``s.upper()``) are not counted, so a loop that keeps such copies is
bounded by the deadline only; run workers under a memory limit (cgroup or ``RLIMIT_AS``).
Python's recursion limit bounds recursion.
"""

from __future__ import annotations

import _string  # CPython's field-name splitter, the one str.format itself uses
import ast
import copy
import json
import math
import operator
import re
import string
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext
from functools import lru_cache
from types import CodeType, SimpleNamespace
from typing import Any, NamedTuple, NoReturn, cast

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
    copy_locations,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.errors import EngineError

# The name PythonScriptEngine looks for in tracebacks to report a script's line number.
FILENAME = "<string>"
DECIMAL_DIGITS = 4300  # as sys.int_info.default_max_str_digits: int(Decimal) beyond it takes seconds


@dataclass(frozen=True)
class Limits:
    """Bounds of one evaluation or script run."""

    operations: int = 100_000
    seconds: float = 2.0
    sequence_length: int = 1_000_000  # one result: characters or items
    int_bits: int = 100_000
    allocation: int = 20_000_000  # total of the sized results of one run


class ScriptError(EngineError):
    """An analyst's script or expression was refused or failed; ``str()`` is the message to show.

    :ivar reason: the message without its position.
    :ivar line: line in the script, when known.
    :ivar element_id: BPMN id of the element, set by :class:`SandboxedScriptEngine`.
    """

    status = 422
    title = "Error en el script"

    def __init__(self, reason: str, *, line: int | None = None, element_id: str | None = None) -> None:
        self.reason = reason
        self.line = line
        self.element_id = element_id
        super().__init__(self._text())

    def _text(self) -> str:
        return f"{self.reason} (línea {self.line})" if self.line else self.reason

    def at_line(self, line: int | None) -> ScriptError:
        """Record ``line`` unless a line is already known; return ``self``."""
        if self.line is None and line is not None:
            self.line = line
            self.message = self._text()
            self.args = (self.message,)
        return self


# --- compiling ---------------------------------------------------------------------------------

_BLOCKED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"mro", "format_map", "func_globals", "func_code", "im_func", "im_self"}
_FORBIDDEN_CALLS = frozenset({
    "breakpoint", "bytearray", "compile", "delattr", "dir", "eval", "exec", "exit", "globals", "help",
    "input", "locals", "memoryview", "object", "open", "quit", "setattr", "super", "type", "vars",
})
_BINOP_GUARDS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}


def _call(name: str, args: list[ast.expr], where: Any) -> ast.Call:
    node = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    copy_locations(node, where)
    return node


class _Transformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, stricter, with Spanish messages and calls to our guards."""

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        if name and name.startswith("_") and name != "_":
            self.error(node, f"nombre '{name}' no permitido (empieza con '_')")
        else:
            super().check_name(node, name, allow_magic_methods)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.error(node, "import no permitido")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.error(node, "no se permite definir clases")

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_") or node.attr in _BLOCKED_ATTRIBUTES:
            self.error(node, f"acceso a atributo '{node.attr}' no permitido")
            return node
        return super().visit_Attribute(node)

    def visit_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id in _FORBIDDEN_CALLS:
            self.error(node, f"'{node.func.id}' no permitido")
            return node
        return super().visit_Call(node)

    def visit_While(self, node: ast.While) -> Any:
        node = self.node_contents_visit(node)
        node.body.insert(0, ast.Expr(_call("_tick_", [], node)))
        copy_locations(node.body[0], node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        node.body.insert(0, ast.Expr(_call("_tick_", [], node)))
        copy_locations(node.body[0], node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = cast(ast.Lambda, super().visit_Lambda(node))
        node.body = ast.BoolOp(op=ast.Or(), values=[_call("_tick_", [], node), node.body])  # None or body
        copy_locations(node.body, node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        return node if guard is None else _call(guard, [node.left, node.right], node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        node = self.node_contents_visit(node)
        spec = node.format_spec or ast.Constant("")
        node.value = _call("_format_", [node.value, ast.Constant(node.conversion), spec], node)
        node.conversion, node.format_spec = -1, None
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if not isinstance(node.target, ast.Subscript):
            return super().visit_AugAssign(node)
        # d[k] += v  ->  _augitem_(d, k, "+=", v): analysts total into dicts all the time.
        target = node.target
        op = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        args = [self.visit(target.value), self.visit(target.slice), op, self.visit(node.value)]
        statement = ast.Expr(_call("_augitem_", args, node))
        copy_locations(statement, node)
        return statement


class _Compiled(NamedTuple):
    code: CodeType | None
    errors: tuple[tuple[int | None, str], ...]


_RP_ERROR = re.compile(r"^Line (\d+|None): (.*)$", re.DOTALL)


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> _Compiled:
    try:
        tree = cast(ast.Module | ast.Expression, ast.parse(source, FILENAME, mode))
    except SyntaxError as e:
        return _Compiled(None, ((e.lineno, f"error de sintaxis: {e.msg}"),))
    except (ValueError, RecursionError, MemoryError) as e:
        return _Compiled(None, ((None, f"el código no se puede leer: {e}"),))
    compile_mode = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    try:
        result = compile_mode(tree, FILENAME, policy=_Transformer)
    except SyntaxError as e:  # found by the compiler, not the parser: `return` outside a function...
        return _Compiled(None, ((e.lineno, f"error de sintaxis: {e.msg}"),))
    except (ValueError, RecursionError, MemoryError) as e:
        return _Compiled(None, ((None, f"el código no se puede compilar: {e}"),))
    errors = []
    for error in result.errors:
        match = _RP_ERROR.match(error)
        line = int(match.group(1)) if match and match.group(1).isdigit() else None
        errors.append((line, match.group(2) if match else error))
    return _Compiled(None if errors else result.code, tuple(errors))


def _compiled(source: Any, mode: str) -> CodeType:
    if not isinstance(source, str):
        raise ScriptError("el código debe ser texto")
    result = _compile(source, mode)
    if result.code is None:
        line, reason = result.errors[0]
        raise ScriptError(reason, line=line)
    return result.code


def check_compiles(source: str, mode: str = "exec") -> list[str]:
    """Return every reason ``source`` cannot run in the sandbox (empty when it can), for deploy time.

    :param source: a script (``mode="exec"``) or an expression (``mode="eval"``).
    :param mode: ``"exec"`` or ``"eval"``.
    :return: messages such as ``"línea 2: import no permitido"``.
    :raises ValueError: for another mode.
    """
    if mode not in ("exec", "eval"):
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    if not isinstance(source, str):
        return ["el código debe ser texto"]
    return [f"línea {line}: {reason}" if line else reason for line, reason in _compile(source, mode).errors]


# --- running -----------------------------------------------------------------------------------

_SEQUENCES = (str, bytes, list, tuple)
_SIZED_METHODS = frozenset({"center", "expandtabs", "extend", "format", "join", "ljust", "replace", "rjust", "zfill"})
_INPLACE: dict[str, tuple[Callable[[Any, Any], Any], str | None]] = {
    "+=": (operator.iadd, "_check_add"), "-=": (operator.isub, None), "*=": (operator.imul, "_check_mul"),
    "/=": (operator.itruediv, None), "//=": (operator.ifloordiv, None), "%=": (operator.imod, "_check_mod"),
    "**=": (operator.ipow, "_check_pow"), "<<=": (operator.ilshift, "_check_lshift"),
    ">>=": (operator.irshift, None), "|=": (operator.ior, None), "^=": (operator.ixor, None),
    "&=": (operator.iand, None), "@=": (operator.imatmul, None),
}
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")
_CONVERSIONS: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}


class _PrintSink(PrintCollector):
    """``print`` in a script: kept up to a bound (readable as ``printed``), never written anywhere."""

    def write(self, text: str) -> None:
        if len(self.txt) < 1000:
            self.txt.append(text[:10_000])


class _DecimalType:
    """``Decimal`` for scripts: refuses magnitudes whose ``int()`` would take seconds."""

    def __call__(self, value: Any = "0", context: Any = None) -> Decimal:
        number = Decimal(value, context)
        if number.is_finite() and number and abs(number.adjusted()) > DECIMAL_DIGITS:
            raise ScriptError(f"número decimal fuera de rango (más de {DECIMAL_DIGITS} dígitos)")
        return number

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, Decimal)

    def __getattr__(self, name: str) -> Any:  # Decimal.from_float...; the guard refuses "_" names first
        return getattr(Decimal, name)


def _sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    if not isinstance(start, int | float | complex | Decimal):
        raise ScriptError("sum() solo suma números; para unir listas o textos use extend o join")
    return sum(iterable, start)


def _json_dumps(obj: Any, *, indent: int | None = None, sort_keys: bool = False, ensure_ascii: bool = False) -> str:
    if indent is not None and not 0 <= indent <= 16:
        raise ScriptError("json.dumps: indent debe estar entre 0 y 16")
    return json.dumps(obj, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii)


def _apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
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
_BUILTINS: dict[str, Any] = {
    **{cls.__name__: cls for cls in _EXCEPTIONS},
    **{f.__name__: f for f in (
        abs, all, any, ascii, bool, callable, chr, dict, divmod, enumerate, filter, float, frozenset, hash, hex,
        int, isinstance, issubclass, len, list, map, max, min, next, oct, ord, repr, reversed, round, set, slice,
        sorted, str, tuple, zip,
    )},
    "__import__": _internal_import, "sum": _sum, "None": None, "True": True, "False": False,
    "date": date, "datetime": datetime, "timedelta": timedelta, "timezone": timezone, "Decimal": _DecimalType(),
    "math": _MATH, "json": SimpleNamespace(dumps=_json_dumps, loads=json.loads),
}


class _SafeFormatter(string.Formatter):
    """``str.format`` whose fields go through the run's attribute and item guards."""

    def __init__(self, run: _Run) -> None:
        self.run = run

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = self.run.getattr_(obj, key) if is_attribute else self.run.getitem(obj, key)
        return obj, first

    def format_field(self, value: Any, format_spec: str) -> str:
        return self.run.format_(value, format_spec)


class _Run:
    """Budget and guards of one evaluation or script run; never shared between threads."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.operations = 0
        self.allocated = 0
        self.deadline = time.monotonic() + limits.seconds
        self.failure: str | None = None
        self.failure_line: int | None = None

    def namespace(self) -> dict[str, Any]:
        """The names RestrictedPython's output calls, plus the builtins bound to this run."""
        builtins = {**_BUILTINS, "getattr": self.getattr_, "hasattr": self.hasattr_, "format": self.format_,
                    "range": self.range_, "pow": self.pow_, "iter": self.getiter}
        return {
            "__builtins__": builtins, "_getattr_": self.getattr_, "_getitem_": self.getitem,
            "_getiter_": self.getiter, "_write_": full_write_guard, "_inplacevar_": self.inplacevar,
            "_unpack_sequence_": guarded_unpack_sequence, "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_print_": _PrintSink, "_apply_": _apply, "_tick_": self.tick, "_add_": self.add, "_mul_": self.mul,
            "_pow_": self.pow_, "_lshift_": self.lshift, "_mod_": self.mod, "_format_": self.format_value,
            "_augitem_": self.augitem,
        }

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
        """Fail a run whose script caught the budget error and went on."""
        if self.failure is not None:
            self._stop()

    # access
    def getattr_(self, obj: Any, name: Any, *default: Any) -> Any:
        self.tick()
        if not isinstance(name, str):
            raise ScriptError("el nombre de un atributo debe ser texto")
        if name.startswith("_") or name in _BLOCKED_ATTRIBUTES:
            raise ScriptError(f"acceso a atributo '{name}' no permitido")
        if name in _SIZED_METHODS:
            if isinstance(obj, type | _DecimalType):  # str.ljust(s, n) would skip the size check
                raise ScriptError(f"use '{name}' sobre un valor, no sobre el tipo")
            if isinstance(obj, str | bytes) or (name == "extend" and isinstance(obj, list)):
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
            return pow(base, exponent, modulus)
        self._check_pow(base, exponent)
        return base**exponent

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
        if isinstance(left, int) and isinstance(right, int):
            self._check_bits(left.bit_length() + right.bit_length())
        elif isinstance(left, _SEQUENCES) and isinstance(right, int):
            self.allocate(len(left) * right)
        elif isinstance(right, _SEQUENCES) and isinstance(left, int):
            self.allocate(len(right) * left)

    def _check_pow(self, base: Any, exponent: Any) -> None:
        if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
            self._check_bits(base.bit_length() * exponent)

    def _check_lshift(self, left: Any, right: Any) -> None:
        if isinstance(left, int) and isinstance(right, int) and left:
            self._check_bits(left.bit_length() + right)

    def _check_bits(self, bits: int) -> None:
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
        longest = max((len(v) for v in items if isinstance(v, _SEQUENCES)), default=0)
        self.allocate(len(text) + len(specs) * max(longest, 32))

    def _check_width(self, width: str) -> None:
        if width == "*" or (width and int(width) > self.limits.sequence_length):
            raise ScriptError(f"ancho de formato no permitido: {width}")

    # formatting
    def format_value(self, value: Any, conversion: int, spec: str) -> str:
        """An f-string field: ``f"{value!r:>10}"``."""
        if conversion in _CONVERSIONS:
            value = _CONVERSIONS[conversion](value)
        return self.format_(value, spec)

    def format_(self, value: Any, spec: str = "") -> str:
        for width in _NUMBER.findall(spec):
            self._check_width(width)
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
                return _SafeFormatter(self).vformat(obj, args, kwargs)
            if name == "join":
                return self._join(obj, *args, **kwargs)
            if name == "extend":
                return self._extend(obj, *args, **kwargs)
            self.allocate(_estimated_size(obj, name, args, kwargs))
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


def _estimated_size(text: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """Size of ``text.<name>(*args)`` for the padding methods, ``expandtabs`` and ``replace``."""
    first = args[0] if args else kwargs.get("tabsize", 8) if name == "expandtabs" else None
    if name == "expandtabs":
        return len(text) * first if isinstance(first, int) else len(text)
    if name == "replace":
        old, new = (args + (None, None))[:2]
        count = args[2] if len(args) > 2 and isinstance(args[2], int) else -1
        try:
            found = text.count(old) if old else len(text) + 1
            grows = max(len(new) - len(old), 0)
        except TypeError:  # the call itself will say what is wrong
            return len(text)
        found = found if count < 0 else min(found, count)
        return len(text) + found * grows
    return max(len(text), first) if isinstance(first, int) else len(text)  # ljust, rjust, center, zfill


_RESERVED = frozenset(_Run(Limits()).namespace())


def _current_line() -> int | None:
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != FILENAME:
        frame = frame.f_back  # type: ignore[assignment]
    return None if frame is None else frame.f_lineno


def _line_of(error: BaseException) -> int | None:
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == FILENAME:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class SandboxedEnvironment(TaskDataEnvironment):
    """``TaskDataEnvironment`` with RestrictedPython, guards and an execution budget.

    :param environment_globals: names every script sees (as the library's ``environment_globals``);
        trusted helpers of the platform, not analysts' code.
    :param limits: bounds of each run; :class:`Limits` defaults otherwise.
    """

    def __init__(self, environment_globals: dict[str, Any] | None = None, limits: Limits | None = None) -> None:
        super().__init__(environment_globals)
        self.limits = limits or Limits()

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate an expression over the task data (as ``TaskDataEnvironment.evaluate``).

        :raises ScriptError: when it is refused, fails or exceeds its limits.
        """
        namespace = copy.copy(self.globals)
        self._prepare_context(context)
        namespace.update(external_context or {})
        namespace.update(context)
        return self._run(expression, "eval", namespace)

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        """Run a script with the task data as its globals; names it assigns become task data.

        :raises ScriptError: when it is refused, fails or exceeds its limits.
        """
        self.check_for_overwrite(context, external_context or {})
        my_globals = copy.copy(self.globals)
        self._prepare_context(context)
        my_globals.update(external_context or {})
        context.update(my_globals)
        try:
            self._run(script, "exec", context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def check_for_overwrite(self, context: dict[str, Any], external_context: dict[str, Any]) -> None:
        """Refuse task data that would hide a helper or a guard (as the library does, with our names)."""
        clash = (set(self.globals) | set(external_context) | _RESERVED).intersection(context)
        if clash:
            raise ScriptError("los datos de la tarea usan nombres reservados: " + ", ".join(sorted(clash)))

    def _remove_globals_and_functions_from_context(self, context: dict[str, Any],
                                                   external_context: dict[str, Any] | None = None) -> None:
        super()._remove_globals_and_functions_from_context(context, external_context)
        for name in _RESERVED.intersection(context):
            del context[name]

    def _run(self, source: str, mode: str, namespace: dict[str, Any]) -> Any:
        code = _compiled(source, mode)
        run = _Run(self.limits)
        namespace.update(run.namespace())  # after the data: a data key never replaces a guard
        try:
            with localcontext(Emax=DECIMAL_DIGITS, Emin=-DECIMAL_DIGITS):
                result = eval(code, namespace)  # noqa: S307 - RestrictedPython output, guarded builtins only
        except Exception as e:
            line = _line_of(e)
            if run.failure is not None:  # whatever the script did after the budget ran out
                raise ScriptError(run.failure, line=run.failure_line) from e
            if isinstance(e, ScriptError):
                raise e.at_line(line) from None
            # The traceback keeps the script's frames, where the library looks for the line.
            raise ScriptError(_describe(e), line=line).with_traceback(e.__traceback__) from e
        run.check_after()
        return result


# --- SpiffWorkflow integration -----------------------------------------------------------------


def task_error(task: Any, error: ScriptError, source: str) -> WorkflowTaskException:
    """The library's task exception for ``error``, with our message, line and the element id.

    :param task: the SpiffWorkflow task whose script or expression failed.
    :param error: the sandbox's error; its ``element_id`` is set here.
    :param source: the script or expression, to quote the failing line.
    :return: an exception whose ``str()`` starts with ``str(error)``, ``.task`` is ``task`` and
        ``__cause__`` is ``error``.
    """
    error.element_id = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
    lines = source.splitlines() if isinstance(source, str) else []
    quoted = lines[error.line - 1] if error.line and error.line <= len(lines) else ""
    wrapped = WorkflowTaskException(str(error), task=task, exception=error, line_number=error.line or 0,
                                    error_line=quoted)
    wrapped.__cause__ = error
    return wrapped


class SandboxedScriptEngine(PythonScriptEngine):
    """``PythonScriptEngine`` on a :class:`SandboxedEnvironment` whose errors keep our message.

    The library wraps an evaluation error as "Error evaluating expression …" and drops its text;
    here both ``evaluate`` and ``execute`` raise ``WorkflowTaskException`` with the
    :class:`ScriptError`'s message, its line, ``.task`` set and the error as ``__cause__``.
    ``call_service`` is the library's (broken in 3.2.0): subclasses override it.

    :param environment: defaults to a new :class:`SandboxedEnvironment`.
    """

    def __init__(self, environment: TaskDataEnvironment | None = None) -> None:
        super().__init__(environment=environment or SandboxedEnvironment())

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as e:
            cause = e.__context__  # the library raises its wrapper inside `except Exception`
            if not isinstance(cause, ScriptError) or e.task is not task:
                raise
            raise task_error(task, cause, expression) from cause

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        if isinstance(err, ScriptError):
            return task_error(task, err, script)
        return super().create_task_exec_exception(task, script, err)


def find_script_error(error: BaseException) -> ScriptError | None:
    """The :class:`ScriptError` behind ``error`` (itself or along its causes), if any.

    Works with the library's plain ``PythonScriptEngine`` too, whose evaluation wrapper hides the
    message but keeps the error as ``__context__``.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ScriptError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
