"""HTTP access to GAF: bearer token, timeouts, and GAF's answers mapped to connector errors.

Connection failures, timeouts, 429 and 5xx are :class:`TemporaryError` (the engine retries);
other 4xx are :class:`PermanentError` carrying GAF's own message from its
``application/problem+json`` body, which staff read in the incident.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.base import JSON, ConnectorError, PermanentError, TemporaryError

#: Seconds to open the connection and to wait for each read; both below the operations' timeouts.
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 15.0
_RETRY_LATER = {408, 425, 429}
_MAX_MESSAGE = 300


class GafClient:
    """A thin client of the contract in ``openapi.yaml``.

    :param base_url: GAF's root URL (``TRAMITES_GAF_URL``), without a trailing path to the operation.
    :param token: the integration's bearer token (``TRAMITES_GAF_TOKEN``); never logged.
    :param session: sends the requests (the embedded sandbox's answers them in-process); plain
        ``requests`` when ``None``.
    """

    def __init__(self, base_url: str, token: str, *, read_timeout: float = READ_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.read_timeout = read_timeout
        self._session = session

    def __repr__(self) -> str:
        return f"GafClient({self.base_url!r})"

    def get(self, path: str) -> JSON:
        """GET ``path`` and return the JSON object GAF answers.

        :raises TemporaryError: GAF unreachable, slow, or answering 429/5xx.
        :raises PermanentError: GAF refused the request (4xx) or answered something else than JSON.
        """
        return self._send("GET", path, None, {})

    def post(self, path: str, body: JSON, *, idempotency_key: str | None = None) -> JSON:
        """POST ``body`` as JSON to ``path`` and return the JSON object GAF answers.

        :param idempotency_key: sent as ``Idempotency-Key`` so a retry returns the original answer.
        :raises TemporaryError: GAF unreachable, slow, or answering 429/5xx.
        :raises PermanentError: GAF refused the request (4xx) or answered something else than JSON.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._send("POST", path, body, headers)

    def _send(self, method: str, path: str, body: JSON | None, headers: dict[str, str]) -> JSON:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json", **headers}
        try:
            response = (self._session or requests).request(method, self.base_url + path, json=body, headers=headers,
                                        timeout=(CONNECT_TIMEOUT, self.read_timeout), allow_redirects=False)
        except requests.Timeout as e:
            raise TemporaryError("GAF no respondió a tiempo") from e
        except requests.RequestException as e:
            raise TemporaryError(f"No se pudo conectar con GAF ({type(e).__name__})") from e
        return _decode(response)


def _decode(response: requests.Response) -> JSON:
    status = response.status_code
    if 200 <= status < 300:
        try:
            data = response.json()
        except ValueError as e:
            raise PermanentError(f"GAF respondió {status} con un cuerpo que no es JSON") from e
        if not isinstance(data, dict):
            raise PermanentError(f"GAF respondió {status} con algo que no es un objeto JSON")
        return data
    raise _error_for(status, _problem(response))


def _error_for(status: int, problem: dict[str, Any]) -> ConnectorError:
    said = _message(problem)
    if status in (401, 403):
        return PermanentError(f"GAF rechazó las credenciales de la integración ({status}); revise TRAMITES_GAF_TOKEN",
                              detail=problem)
    if status >= 500 or status in _RETRY_LATER:
        return TemporaryError(f"GAF no está disponible ({status}){said}", detail=problem)
    return PermanentError(f"GAF rechazó la solicitud ({status}){said}", detail=problem)


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _message(problem: dict[str, Any]) -> str:
    text = str(problem.get("detail") or problem.get("title") or "").strip()
    errors = problem.get("errores")
    if isinstance(errors, list) and errors:
        text = (text + " " if text else "") + "(" + "; ".join(str(e) for e in errors[:5]) + ")"
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return f": {text}" if text else ""
