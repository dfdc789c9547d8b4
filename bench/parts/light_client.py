"""A lighter HTTP client than ``requests``: one ``http.client`` keep-alive connection.

It answers the few calls :class:`common.ApiClient` makes of its session (``get``, ``post`` with
``json=``, ``headers``), so the same client code runs over either; ``requests`` costs a few
hundred microseconds per request of its own, which a bench must not count as the server's.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit


class LightResponse:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.content = status, body

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class LightSession:
    """A keep-alive connection to one server, reopened if the server closed it."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> LightResponse:
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers={**self.headers, **headers})
                response = self.connection.getresponse()
                return LightResponse(response.status, response.read())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # a keep-alive the server ended: once more on a new one
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, url: str, timeout: float | None = None) -> LightResponse:
        return self.request("GET", url, None, {})

    def post(self, url: str, json: Any = None, timeout: float | None = None) -> LightResponse:  # noqa: A002
        body = _dumps(json)
        return self.request("POST", url, body, {"Content-Type": "application/json"})


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
