"""What the decision and template editors' tests share: a draft made from a bundle of processes/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from engine.studio import drafts
from engine.uow import unit_of_work
from tests.fixtures.identity import Web, password_of

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


def bundle_files(key: str) -> dict[str, bytes]:
    folder = PROCESSES / key
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def draft_of(app: Flask, key: str, files: dict[str, bytes] | None = None) -> int:
    """A draft holding the bundle ``processes/<key>`` (or ``files``); its id."""
    with app.app_context(), unit_of_work():
        draft = drafts.create_from_files(f"Borrador de {key}", files or bundle_files(key), "analista",
                                         datetime.now(UTC))
        return draft.id  # type: ignore[no-any-return]


def draft_file(app: Flask, draft_id: int, name: str) -> bytes:
    with app.app_context():
        return drafts.files_of(drafts.get(draft_id))[name]


def signed_in(app: Flask, who: str = "analista") -> Web:
    web = Web(app.test_client())
    web.sign_in(who, password_of(who))
    return web


def csrf_header(web: Web, path: str) -> dict[str, str]:
    """The X-CSRF-Token header a studio page's script sends, read from the page's meta tag."""
    html = web.client.get(path).get_data(as_text=True)
    marker = '<meta name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return {"X-CSRF-Token": html[start:html.index('"', start)]}
