"""HTTP calls answered by a WSGI app of this very process: the embedded GAF sandbox and its notices.

The embedded default serves GAF's sandbox inside the platform. Reaching it over the network
would need the address the platform is served at, which the process does not always know
(another port, a proxy, a worker); a :func:`session` hands each request to the app instead,
with the same headers, body and answers, so the connector and the sandbox keep their contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from werkzeug.test import EnvironBuilder, run_wsgi_app

#: The made-up origin whose requests never leave the process (``.invalid`` resolves nowhere).
ORIGIN = "http://en-proceso.invalid"

WsgiApp = Callable[..., Any]


class WsgiAdapter(BaseAdapter):
    """A ``requests`` transport that calls ``app`` as if the request had come to ``base_url()``.

    :param app: the WSGI application that answers.
    :param base_url: read at each request: the origin the app sees (its ``Host``), so the
        absolute links it writes (a slip's payment page) name the address people use.
    """

    def __init__(self, app: WsgiApp, base_url: Callable[[], str]) -> None:
        super().__init__()
        self._app = app
        self._base_url = base_url

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        target = urlsplit(request.url or "")
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body or b""
        environ = EnvironBuilder(path=target.path, query_string=target.query, base_url=self._base_url(),
                                 method=request.method or "GET", data=body,
                                 headers=[(k, v) for k, v in request.headers.items()
                                          if k.lower() not in ("host", "content-length")]).get_environ()
        app_iter, status, headers = run_wsgi_app(self._app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            getattr(app_iter, "close", lambda: None)()
        response = requests.Response()
        code, _, reason = status.partition(" ")
        response.status_code, response.reason = int(code), reason
        response.headers = CaseInsensitiveDict(headers.items())
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response.url, response.request = request.url or "", request
        return response

    def close(self) -> None:
        """Nothing is held open between requests."""


def session(app: WsgiApp, base_url: Callable[[], str]) -> requests.Session:
    """A session whose requests to :data:`ORIGIN` are answered by ``app`` (others go out as usual)."""
    found = requests.Session()
    found.trust_env = False  # no proxy from the environment stands between us and ourselves
    found.mount(ORIGIN + "/", WsgiAdapter(app, base_url))
    return found
