"""Address rules whose URL builders are generated on first use.

When a rule is added, Werkzeug writes and compiles two Python functions for it (``url_for``
with and without extra arguments). The platform has about 260 rules, so that alone cost some
0.2 s of CPU for every app built: each gunicorn and Celery worker, each ``tramites`` command, and
each of the test suite's thousands of apps, though a process builds addresses for few of its
rules. The functions are the same, only generated when an address is first built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A :class:`~werkzeug.routing.Rule` that compiles each URL builder the first time it builds."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_now = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_on_first_use(rule: Rule, **values: Any) -> tuple[str, str]:
            # Two threads may both compile it: the same function, and either one is kept.
            built = compile_now(append_unknown).__get__(rule, None)
            setattr(rule, attribute, built)
            result: tuple[str, str] = built(**values)
            return result

        return build_on_first_use
