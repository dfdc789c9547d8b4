"""Submit rendered HTML the way a browser would, without a browser (html.parser).

Only what a browser sends: enabled controls with a name; checkboxes and radios when
checked; a select's selected options (a single select with none selected sends its first
option); textareas without the newline that follows the start tag. Buttons send nothing
unless one is named as the submitter; file inputs travel separately (``files``).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from werkzeug.datastructures import MultiDict

SKIPPED_INPUTS = frozenset({"submit", "button", "image", "reset", "file"})


class _Form(HTMLParser):
    def __init__(self, submitter: tuple[str, str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.submitter = submitter
        self.select: dict[str, Any] | None = None
        self.option: dict[str, Any] | None = None
        self.textarea: dict[str, Any] | None = None
        self.noscript = 0
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "id" in a and a["id"]:
            self.ids.append(a["id"])
        if tag == "noscript":
            self.noscript += 1
        elif self.noscript:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "button":
            if self.submitter and (a.get("name"), a.get("value")) == self.submitter:
                self.fields.append(self.submitter)
        elif tag == "select":
            self.select = {"attrs": a, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"attrs": a, "text": ""}
        elif tag == "textarea":
            self.textarea = {"attrs": a, "text": ""}

    def _input(self, a: dict[str, str | None]) -> None:
        kind = (a.get("type") or "text").lower()
        name = a.get("name")
        if not name or "disabled" in a or kind in SKIPPED_INPUTS:
            return
        if kind in ("checkbox", "radio") and "checked" not in a:
            return
        default = "on" if kind in ("checkbox", "radio") else ""
        self.fields.append((name, a.get("value") if a.get("value") is not None else default))  # type: ignore[arg-type]

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option["text"] += data
        elif self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "noscript":
            self.noscript -= 1
        elif tag == "option" and self.option is not None and self.select is not None:
            self.select["options"].append(self.option)
            self.option = None
        elif tag == "select" and self.select is not None:
            self._close_select(self.select)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            a = self.textarea["attrs"]
            text = self.textarea["text"]
            text = text[1:] if text.startswith("\n") else text
            if a.get("name") and "disabled" not in a:
                self.fields.append((a["name"], text))
            self.textarea = None

    def _close_select(self, select: dict[str, Any]) -> None:
        a = select["attrs"]
        if not a.get("name") or "disabled" in a:
            return
        options = select["options"]
        chosen = [o for o in options if "selected" in o["attrs"]]
        if not chosen and "multiple" not in a:
            chosen = [o for o in options if "disabled" not in o["attrs"]][:1]
        for o in chosen:
            value = o["attrs"].get("value")
            self.fields.append((a["name"], value if value is not None else o["text"]))


def submission(html: str, submitter: tuple[str, str] | None = None) -> MultiDict[str, str]:
    """The fields a browser would POST for ``html`` (with ``submitter``: the button pressed)."""
    parser = _Form(submitter)
    parser.feed(str(html))
    parser.close()
    return MultiDict(parser.fields)


def element_ids(html: str) -> list[str]:
    """Every ``id`` in ``html``, in order (to check they are unique)."""
    parser = _Form(None)
    parser.feed(str(html))
    parser.close()
    return parser.ids
