"""The one way the engine reads YAML: safe types only, no anchors or aliases, bounded size and depth.

PyYAML's ``safe_load`` still expands aliases: a 1 KB text of nine aliases per level, seven
levels deep, becomes millions of strings (the "billion laughs"). Nothing the platform reads
needs anchors, so :func:`load` refuses them at the first one, before anything is expanded.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Lists and mappings nested deeper than this are refused (the composer recurses on them).
MAX_DEPTH = 32


class YamlRefused(ValueError):
    """The text is not YAML the platform reads; ``str()`` is a Spanish sentence for people."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses anchors, aliases and deep nesting while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlRefused(f"Línea {line}: no se admiten anclas ni alias de YAML (& y *).")
        if self._depth >= MAX_DEPTH:
            raise YamlRefused(f"Línea {line}: anidado en más de {MAX_DEPTH} niveles.")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(text: str | bytes, *, max_bytes: int) -> Any:
    """Parse one YAML document of plain types.

    :param text: the document, as text or UTF-8 bytes.
    :param max_bytes: the largest text accepted, in bytes (checked before parsing).
    :raises YamlRefused: for a text that is too large, not UTF-8, malformed, or holds anchors,
        aliases, too deep a nesting or numbers of more digits than Python converts.
    """
    size = len(text if isinstance(text, bytes) else text.encode("utf-8"))
    if size > max_bytes:
        raise YamlRefused(f"Supera los {max_bytes // 1024} KB.")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise YamlRefused("No está en UTF-8.") from e
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as e:
        raise YamlRefused(f"No es YAML válido ({e}).") from e
    except RecursionError as e:
        raise YamlRefused(f"Anidado en más de {MAX_DEPTH} niveles.") from e
    except YamlRefused:
        raise
    except ValueError as e:  # an integer past int's digit limit
        raise YamlRefused(f"Tiene un valor que no se puede leer ({e}).") from e
    finally:
        loader.dispose()


def dump(data: Any) -> str:
    """YAML people read and edit: keys in the given order, accents as written, no anchors."""

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=100)
