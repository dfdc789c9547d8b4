"""Templates compiled once per process, whichever of its apps renders them first.

Each Flask app has its own Jinja environment, which parses and compiles a template the first
time the app renders it. A process that builds several apps (the test suite builds thousands;
a command builds one beside a served one) compiled every page again for each. The compiled
code is kept here instead, keyed by the template's name and file and checked against its
source, so an edited template is compiled again.
"""

from __future__ import annotations

import threading

from jinja2.bccache import Bucket, BytecodeCache


class ProcessTemplateCache(BytecodeCache):
    """Jinja's bytecode of every template compiled in this process, in memory."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()


#: One for the process: every app built by ``create_app`` compiles its pages the same way.
COMPILED_TEMPLATES = ProcessTemplateCache()
