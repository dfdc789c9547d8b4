"""A Jinja sandbox for analysts' templates (task instructions, certificates) with the script sandbox's bounds.

Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment` keeps templates away from Python's internals
but lets them compute without limit: ``{{ 9 ** 9999999 }}`` ran 39 s, ``{{ 'A' * 200000000 }}``
took 190 MB, on every page view. :class:`BoundedEnvironment` (immutable, as
:class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`) adds, per render:

- every arithmetic operator is intercepted (``call_binop``): integer results past
  :data:`~bounds.limits.INT_BITS`, costly modular powers, repetitions and concatenations past
  :data:`~bounds.limits.SEQUENCE_LENGTH` and ``%`` widths are refused before they run;
- calls of string methods that amplify (``ljust``, ``center``, ``replace``, ``join``...), ``str.format``
  widths, ``int.to_bytes``/``from_bytes`` and ``dict.fromkeys`` are sized first; the filters that
  amplify (``center``, ``indent``, ``wordwrap``, ``replace``, ``join``, ``format``, ``tojson``,
  ``batch``, ``slice``, ``sum``, ``round``, ``int``) are bounded versions; ``lipsum`` is gone;
- list, tuple and dict displays, ``dict()`` and ``~`` are estimated as text, so a macro or a
  namespace cannot double a structure until writing it takes hours;
- an operation budget and a deadline: every loop pass, call, attribute or item read and operator
  counts; everything a render writes (literal text included, in set blocks and macros too) counts
  against :data:`~bounds.limits.ALLOCATION`; a render whose last operation ended past the deadline
  fails too.

A refusal raises :class:`TemplateLimitError`, a :class:`~jinja2.sandbox.SecurityError` (so a
``TemplateError``). The budget belongs to :meth:`BoundedTemplate.render`; a template rendered
another way (``generate``, ``stream``) keeps the size checks but no budget.
"""

from __future__ import annotations

import functools
import inspect
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from decimal import Decimal
from types import BuiltinMethodType
from typing import Any

from jinja2 import filters as jinja_filters
from jinja2 import pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import Template
from jinja2.nodes import Dict as DictNode
from jinja2.nodes import EvalContext, For, List, Node, Tuple
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup

from bounds.limits import (
    ROUND_DIGITS,
    Limits,
    power_bits,
    product_bits,
)
from bounds.sizes import estimated_size, text_size

__all__ = ["BoundedEnvironment", "BoundedTemplate", "TemplateLimitError", "TemplateLimits"]


#: The bounds of one render: the script sandbox's own (:class:`bounds.limits.Limits`).
TemplateLimits = Limits


class TemplateLimitError(SecurityError):
    """A template went past its bounds; ``str()`` says which, in Spanish."""


_SIZED_METHODS = frozenset({"center", "expandtabs", "join", "ljust", "replace", "rjust", "translate", "zfill"})
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")
_MAX_SLICES = 10_000
# Filters that write their value as text: a structure whose text is huge is refused before str() runs.
_TEXT_FILTERS = frozenset({
    "capitalize", "e", "escape", "forceescape", "lower", "pprint", "reverse", "safe", "string", "striptags",
    "title", "trim", "truncate", "upper", "urlencode", "urlize", "wordcount", "xmlattr",
})


class _Budget:
    """Operations, deadline and what one render has written."""

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.operations = 0
        self.allocated = 0
        self.deadline = time.monotonic() + limits.seconds

    def tick(self) -> None:
        self.operations += 1
        if self.operations > self.limits.operations:
            raise TemplateLimitError(f"la plantilla superó el límite de {self.limits.operations} operaciones")
        self.check_deadline()

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"la plantilla superó el tiempo máximo de {self.limits.seconds:g} s")

    def allocate(self, size: int) -> None:
        self.allocated += size
        if self.allocated > self.limits.allocation:
            raise TemplateLimitError(f"la plantilla superó el límite de {self.limits.allocation} caracteres escritos")
        self.tick()


_BUDGET: ContextVar[_Budget | None] = ContextVar("bounds_template_budget", default=None)


class BoundedTemplate(Template):
    """A template whose :meth:`render` runs within one budget (nested renders share the outer one)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        if _BUDGET.get() is not None:
            return super().render(*args, **kwargs)
        environment = self.environment
        limits = environment.limits if isinstance(environment, BoundedEnvironment) else TemplateLimits()
        budget = _Budget(limits)
        token = _BUDGET.set(budget)
        try:
            text = super().render(*args, **kwargs)
        finally:
            _BUDGET.reset(token)
        budget.check_deadline()  # one operation that ran past the deadline still fails the render
        return text


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator with the hooks :class:`BoundedEnvironment` needs in the generated code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop_iterables: set[int] = set()

    def visit(self, node: Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) not in self._loop_iterables:
            return super().visit(node, *args, **kwargs)
        self.write("environment.bounded_iter(")
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None

    def visit_For(self, node: For, frame: Frame) -> None:
        self._loop_iterables.add(id(node.iter))  # every pass counts
        super().visit_For(node, frame)

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        # Literal text counts as written too: {% set x %}{% for ... %}long text{% endfor %}{% endset %}.
        return f"environment.bounded_literal({super()._output_const_repr(group)})"

    def visit_Concat(self, node: Any, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.bounded_concat({join}, (")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))")

    def _container(self, visit: Callable[[Any, Frame], None], node: Any, frame: Frame) -> None:
        self.write("environment.bounded_container(")
        visit(node, frame)
        self.write(")")

    def visit_List(self, node: List, frame: Frame) -> None:
        self._container(super().visit_List, node, frame)

    def visit_Dict(self, node: DictNode, frame: Frame) -> None:
        self._container(super().visit_Dict, node, frame)

    def visit_Tuple(self, node: Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # {% for a, b in ... %}: a target, not a value
            super().visit_Tuple(node, frame)
        else:
            self._container(super().visit_Tuple, node, frame)


class _Namespace(Namespace):
    """``namespace()`` whose text does not write what it holds (nested ones would double it)."""

    def __repr__(self) -> str:
        return "<namespace>"


class _WidthMixin:
    """``str.format`` fields: widths and precisions within the limit, and the value's text estimated first."""

    _environment: BoundedEnvironment

    def format_field(self, value: Any, format_spec: str) -> Any:
        for width in _NUMBER.findall(format_spec):
            self._environment.check_width(width)
        self._environment.allocate(self._environment.text_of(value))
        return super().format_field(value, format_spec)  # type: ignore[misc]


class _BoundedFormatter(_WidthMixin, SandboxedFormatter):
    def __init__(self, env: BoundedEnvironment, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self._environment = env


class _BoundedEscapeFormatter(_WidthMixin, SandboxedEscapeFormatter):
    def __init__(self, env: BoundedEnvironment, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self._environment = env


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """An immutable Jinja sandbox with size checks, an operation budget and a deadline per render.

    :param limits: bounds of each render; :class:`TemplateLimits` defaults otherwise.
    Other arguments are :class:`jinja2.Environment`'s (``finalize`` is taken).
    """

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    code_generator_class = _CodeGenerator
    template_class = BoundedTemplate

    def __init__(self, *args: Any, limits: TemplateLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, finalize=self.bounded_output, **kwargs)
        self.limits = limits or TemplateLimits()
        self.globals.pop("lipsum", None)
        self.globals.update(dict=self._dict, namespace=_Namespace)
        self.filters.update(self._bounded_filters())

    # --- the budget ------------------------------------------------------------------------------

    def tick(self) -> None:
        budget = _BUDGET.get()
        if budget is not None:
            budget.tick()

    def allocate(self, size: int) -> None:
        """Refuse one value past the length limit; count it against the render's total."""
        if size > self.limits.sequence_length:
            raise TemplateLimitError(f"el resultado tendría {size} caracteres o elementos; el máximo es "
                                     f"{self.limits.sequence_length}")
        budget = _BUDGET.get()
        if budget is not None:
            budget.allocate(size)

    def text_of(self, value: Any) -> int:
        """Characters of ``value`` written as text (an estimate that stops past the length limit)."""
        if isinstance(value, str):
            return len(value)
        return text_size(value, self.limits.sequence_length)

    def check_bits(self, bits: int) -> None:
        if bits > self.limits.int_bits:
            raise TemplateLimitError(f"el número resultante sería demasiado grande (más de {self.limits.int_bits} "
                                     "bits)")

    def check_width(self, width: str | int | None) -> None:
        if width == "*" or (width not in (None, "") and int(width) > self.limits.sequence_length):
            raise TemplateLimitError(f"ancho de formato no permitido: {width}")

    # --- called by the generated code ------------------------------------------------------------

    def bounded_output(self, value: Any) -> Any:
        """``finalize``: every ``{{ … }}`` written, in the output, a set block or a macro."""
        self.allocate(self.text_of(value))
        return value

    def bounded_literal(self, text: str) -> str:
        self.allocate(len(text))
        return text

    def bounded_iter(self, iterable: Any) -> Iterator[Any]:
        self.tick()
        for item in iterable:
            self.tick()
            yield item

    def bounded_concat(self, join: Callable[[Iterable[Any]], str], parts: tuple[Any, ...]) -> str:
        self.allocate(sum(self.text_of(part) for part in parts))
        return join(parts)

    def bounded_container(self, value: Any) -> Any:
        self.allocate(self.text_of(value))
        return value

    def _dict(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        result: dict[Any, Any] = self.bounded_container(dict(*args, **kwargs))
        return result

    # --- the sandbox's hooks ---------------------------------------------------------------------

    def is_safe_callable(self, obj: Any) -> bool:
        # Classes reachable from data (a value's type) are not callable; the globals' own are.
        if isinstance(obj, type) and obj not in (_Namespace, Cycler, Joiner):
            return False
        return bool(super().is_safe_callable(obj))

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.tick()
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if operator == "*":
            self._check_mul(left, right)
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int):
                self.check_bits(power_bits(left, right))
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                self.allocate(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            self._check_printf(left, right)
        for operand in (left, right):  # //, % and / of huge integers are quadratic
            if isinstance(operand, int):
                self.check_bits(operand.bit_length())
        return super().call_binop(context, operator, left, right)

    def _check_mul(self, left: Any, right: Any) -> None:
        if isinstance(right, str | list | tuple) and isinstance(left, int):
            left, right = right, left
        if isinstance(left, int) and isinstance(right, int):
            self.check_bits(product_bits(left, right))
        elif isinstance(left, str | list | tuple) and isinstance(right, int):
            self.allocate(len(left) * right)
            if isinstance(left, list | tuple) and right > 1:  # [big] * 1000 writes big a thousand times
                self.allocate(text_size(left, self.limits.sequence_length // right) * right)

    def _check_printf(self, template: str, values: Any) -> None:
        fields = _PRINTF.findall(template)
        for width, precision in fields:
            self.check_width(width)
            self.check_width(precision)
        items = values.values() if isinstance(values, Mapping) else values if isinstance(values, tuple) else (values,)
        self.allocate(len(template) + sum(self.text_of(item) for item in items) + 32 * len(fields))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text: str = value.__self__
        formatter = (_BoundedEscapeFormatter(self, escape=text.escape) if isinstance(text, Markup)
                     else _BoundedFormatter(self))
        as_map = value.__name__ == "format_map"

        def format_(*args: Any, **kwargs: Any) -> str:
            if as_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                return type(text)(formatter.vformat(text, (), args[0]))
            return type(text)(formatter.vformat(text, args, kwargs))

        return functools.update_wrapper(format_, value)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.tick()
        if isinstance(obj, BuiltinMethodType):
            args = self._check_method(obj, args, kwargs)
        result = super().call(context, obj, *args, **kwargs)
        name = getattr(obj, "__name__", None)
        if isinstance(obj, BuiltinMethodType) and name in ("fromkeys", "from_bytes"):
            if isinstance(result, int):
                self.check_bits(result.bit_length())
            else:
                self.bounded_container(result)  # dict.fromkeys(keys, big) holds big once per key
        return result

    def _check_method(self, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        owner, name = method.__self__, method.__name__
        if isinstance(owner, str | bytes) and name in _SIZED_METHODS:
            if name == "join":
                items = list(args[0]) if args else []
                self.allocate(self._joined_size(owner, items))
                return (items, *args[1:])
            self.allocate(estimated_size(owner, name, args, kwargs))
        elif isinstance(owner, int) and name == "to_bytes":
            length = args[0] if args else kwargs.get("length", 1)
            if isinstance(length, int):
                self.allocate(length)
        return args

    def _joined_size(self, separator: Any, items: list[Any]) -> int:
        size = len(separator) * max(len(items) - 1, 0)
        for item in items:
            size += self.text_of(item)
            if size > self.limits.sequence_length:
                break
        return size

    # --- filters ---------------------------------------------------------------------------------

    def _bounded_filters(self) -> dict[str, Callable[..., Any]]:
        checks: dict[str, Callable[[dict[str, Any]], None]] = {
            "center": lambda a: self.allocate(max(self.text_of(a[_VALUE]), _int(a["width"]))),
            "indent": self._check_indent,
            "wordwrap": self._check_wordwrap,
            "replace": self._check_replace,
            "format": lambda a: self._check_printf(str(a[_VALUE]), a["args"] or a["kwargs"]),
            "tojson": self._check_tojson,
            "batch": lambda a: self._check_parts(a["linecount"], a["fill_with"], self.limits.sequence_length),
            "slice": lambda a: self._check_parts(a["slices"], a["fill_with"], _MAX_SLICES),
            "sum": self._check_sum,
            "round": self._check_round,
            **{name: self._check_text for name in _TEXT_FILTERS},
        }
        bounded = {name: _checked(self.filters[name], check) for name, check in checks.items()}
        bounded["join"] = self._join_filter()
        bounded["int"] = self._int_filter()
        return bounded

    def _check_text(self, arguments: dict[str, Any]) -> None:
        self.allocate(self.text_of(arguments[_VALUE]))

    def _check_indent(self, a: dict[str, Any]) -> None:
        text, width = a[_VALUE], a["width"]
        step = len(width) if isinstance(width, str) else _int(width)
        lines = text.count("\n") + 1 if isinstance(text, str) else self.text_of(text)
        self.allocate(self.text_of(text) + lines * step)

    def _check_wordwrap(self, a: dict[str, Any]) -> None:
        text = a[_VALUE] if isinstance(a[_VALUE], str) else ""
        wrap = a["wrapstring"] if isinstance(a["wrapstring"], str) else "\n"
        breaks = len(text) // max(_int(a["width"]), 1) + text.count("\n") + 1
        self.allocate(self.text_of(a[_VALUE]) + breaks * len(wrap))

    def _check_replace(self, a: dict[str, Any]) -> None:
        text = a[_VALUE]
        if not isinstance(text, str):
            self.allocate(self.text_of(text))
            return
        count = () if a["count"] is None else (a["count"],)
        self.allocate(estimated_size(text, "replace", (a["old"], a["new"], *count), {}))

    def _check_tojson(self, a: dict[str, Any]) -> None:
        indent = a["indent"]
        if indent is not None and not (isinstance(indent, int) and 0 <= indent <= 16):
            raise TemplateLimitError("tojson: indent debe estar entre 0 y 16")
        self.allocate(self.text_of(a[_VALUE]) * (2 if indent else 1))

    def _check_parts(self, count: Any, fill: Any, most: int) -> None:
        count = _int(count)
        if count > most:
            raise TemplateLimitError(f"demasiadas partes: {count}; el máximo es {most}")
        self.allocate(count * (self.text_of(fill) if fill is not None else 1))

    def _check_sum(self, a: dict[str, Any]) -> None:
        if not isinstance(a["start"], int | float | Decimal):
            raise TemplateLimitError("sum solo suma números")

    def _check_round(self, a: dict[str, Any]) -> None:
        if isinstance(a["precision"], int) and abs(a["precision"]) > ROUND_DIGITS:
            raise TemplateLimitError(f"round: no se puede redondear a más de {ROUND_DIGITS} dígitos")

    def _join_filter(self) -> Callable[..., str]:
        @pass_eval_context
        def join(eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
            items = list(value)
            self.allocate(self._joined_size(d, items))
            return jinja_filters.do_join(eval_ctx, items, d, attribute)

        return join

    def _int_filter(self) -> Callable[..., int]:
        def int_(value: Any, default: int = 0, base: int = 10) -> int:
            number = jinja_filters.do_int(value, default, base)
            self.check_bits(number.bit_length())
            return number

        return int_


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


_VALUE = "__value__"  # the filtered value, whatever the filter's parameter is called


def _checked(original: Callable[..., Any], check: Callable[[dict[str, Any]], None]) -> Callable[..., Any]:
    """``original`` (a Jinja filter) with ``check`` run first on its arguments by name (and ``__value__``)."""
    skip = 1 if hasattr(original, "jinja_pass_arg") else 0  # the context, eval context or environment
    try:
        signature: inspect.Signature | None = inspect.signature(original)
    except (TypeError, ValueError):  # markupsafe's escape and soft_str are C functions
        signature = None

    @functools.wraps(original)  # keeps the pass_context/pass_environment mark
    def checked(*args: Any, **kwargs: Any) -> Any:
        arguments: dict[str, Any] = {}
        if signature is not None:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments.update(bound.arguments)
        arguments[_VALUE] = args[skip] if len(args) > skip else None
        check(arguments)
        return original(*args, **kwargs)

    return checked
