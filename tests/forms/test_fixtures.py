"""The live_server fixture serves an app and stops it after the test."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any

from tests.forms.preview_app import make_app


def test_live_server_serves_the_app(live_server: Callable[[Any], Any]) -> None:
    server = live_server(make_app())
    with urllib.request.urlopen(server.url + "/estudio/formularios/", timeout=5) as response:  # noqa: S310
        assert response.status == 200
        assert "Vista previa de formularios" in response.read().decode()
