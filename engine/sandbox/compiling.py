"""Compiling analysts' code for the sandbox: RestrictedPython's policy, stricter, with Spanish messages.

The transformer refuses imports, classes, names and attributes starting with ``_``,
introspection attributes and dangerous builtins when the code is compiled (so deployment
can report them), and rewrites loops, calls, operators and formatting into calls to the
guards of one run (:mod:`engine.sandbox.running`).
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from types import CodeType
from typing import Any, NamedTuple, cast

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
    copy_locations,
)

from engine.errors import EngineError

# The name PythonScriptEngine looks for in tracebacks to report a script's line number.
FILENAME = "<string>"


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

BLOCKED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"mro", "format_map", "func_globals", "func_code", "im_func", "im_self"}
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
        if node.attr.startswith("_") or node.attr in BLOCKED_ATTRIBUTES:
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

    def visit_Starred(self, node: ast.Starred) -> Any:
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):  # [*a, *a] copies: a, *b = x assigns
            node.value = _call("_star_", [node.value], node)
        return node

    def visit_Dict(self, node: ast.Dict) -> Any:
        node = self.node_contents_visit(node)
        node.values = [_call("_star_", [value], value) if key is None else value  # {**a, **a}
                       for key, value in zip(node.keys, node.values, strict=True)]
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


def compiled(source: Any, mode: str) -> CodeType:
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
