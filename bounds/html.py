"""The HTML analysts may write in a task's instructions: a small allow-list, everything else shown as text.

Instructions are written by analysts and shown to staff and citizens inside the platform's pages,
where htmx turns attributes into requests the viewer's session makes (``hx-post`` +
``hx-trigger="load"`` posted a comment as whoever opened the task). So only formatting passes:
``p br strong b em i ul ol li h3 h4 code blockquote`` with no attributes, and ``a`` with an
``href`` to ``http:``, ``https:`` or ``mailto:`` (plus ``rel="noopener noreferrer"``). Any other
tag (``div`` with ``hx-*``, ``form``, ``input``, ``button``, ``script``, ``style``, ``iframe``...)
is escaped, so it reads as the text it is; attributes not listed (``on*``, ``hx-*``, ``style``,
``class``...) are dropped; comments and declarations are removed; tags left open are closed and
stray closing tags dropped, so the text cannot close the page's own elements.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

__all__ = ["ALLOWED_TAGS", "sanitize"]

ALLOWED_TAGS = frozenset({"a", "b", "blockquote", "br", "code", "em", "h3", "h4", "i", "li", "ol", "p", "strong", "ul"})
_VOID = frozenset({"br"})
_SCHEMES = ("http://", "https://", "mailto:")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")  # browsers drop tabs and newlines inside a URL


def sanitize(html: str) -> str:
    """``html`` with only the allowed tags and links; the rest escaped as text.

    :param html: the rendered instructions (data already escaped by the template).
    :return: HTML safe to insert into a page.
    """
    parser = _AllowList()
    parser.feed(html)
    parser.close()
    return parser.result()


def _safe_href(value: str | None) -> str | None:
    if value is None:
        return None
    plain = _IGNORED_IN_URLS.sub("", value).lower()
    return value if plain.startswith(_SCHEMES) else None


class _AllowList(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._open: list[str] = []

    def result(self) -> str:
        pending = self.rawdata  # text the parser held back (an unfinished tag): shown as text
        if pending:
            self._out.append(escape(pending, quote=False))
            self.rawdata = ""
        self._out.extend(f"</{tag}>" for tag in reversed(self._open))
        self._open.clear()
        return "".join(self._out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self._out.append(escape(self.get_starttag_text() or f"<{tag}>", quote=False))
            return
        if tag == "a":
            href = _safe_href(dict(attrs).get("href"))
            link = f' href="{escape(href, quote=True)}" rel="noopener noreferrer"' if href else ""
            self._out.append(f"<a{link}>")
        else:
            self._out.append(f"<{tag}>")
        if tag not in _VOID:
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._out.append(f"<{tag}>")
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self._out.append(escape(f"</{tag}>", quote=False))
            return
        if tag not in self._open:
            return  # a closing tag with nothing of ours open: it would close the page's own element
        while self._open:
            current = self._open.pop()
            self._out.append(f"</{current}>")
            if current == tag:
                break

    def handle_data(self, data: str) -> None:
        self._out.append(escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass
