"""How the GAF sandbox delivers its signed ``pago_confirmado`` notices.

Each delivery runs in its own daemon thread, so the page that pays a slip answers at once
even when the receiver is this very process (the platform mounting the sandbox) serving
one request at a time. A failed delivery is retried a few times with backoff; the outcome
is recorded in the ledger and shown on the slip's page.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import requests

from connectors.gaf.ledger import GafLedger
from connectors.gaf.signature import HEADER, sign

log = logging.getLogger("tramites.connectors.gaf.sandbox")


class WebhookSender:
    """Send events, signed, to one URL.

    :param url: the receiver (the platform's ``POST /hooks/gaf``); ``None`` sends nothing.
    :param secret: the shared HMAC key; required with ``url``.
    :param ledger: where outcomes are recorded.
    :param attempts: tries per event before giving up.
    :param backoff: seconds before the second try; doubled for each further one.
    :param session: sends the notices (in-process to the platform mounting the sandbox); plain
        ``requests`` when ``None``.
    """

    def __init__(self, url: str | None, secret: str | None, ledger: GafLedger, *, attempts: int = 3,
                 backoff: float = 0.5, timeout: float = 5.0, session: requests.Session | None = None) -> None:
        if url and not secret:
            raise ValueError("the GAF sandbox needs a webhook secret to sign its notices")
        self.url = url
        self._secret = secret or ""
        self._ledger = ledger
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout
        self._session = session
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WebhookSender({self.url!r})"

    def send(self, event: dict[str, Any]) -> None:
        """Start delivering ``event`` in the background (records "sin destino" without a URL)."""
        if not self.url:
            self._ledger.record_delivery(event["id"], {"entregado": False, "intentos": 0, "resultado": "sin destino"})
            return
        self._ledger.record_delivery(event["id"], None)  # "being delivered" until the thread ends
        thread = threading.Thread(target=self._deliver, args=(event,), name=f"gaf webhook {event['id']}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait for the deliveries in progress; return whether all finished."""
        deadline = time.monotonic() + timeout
        with self._lock:
            pending = list(self._threads)
        for thread in pending:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in pending)

    def _deliver(self, event: dict[str, Any]) -> None:
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", HEADER: sign(body, self._secret)}
        outcome: dict[str, Any] = {"entregado": False, "intentos": 0, "resultado": ""}
        for attempt in range(1, self._attempts + 1):
            outcome["intentos"] = attempt
            try:
                response = (self._session or requests).post(str(self.url), data=body, headers=headers,
                                                            timeout=self._timeout, allow_redirects=False)
                outcome["resultado"] = f"HTTP {response.status_code}"
                if 200 <= response.status_code < 300:
                    outcome["entregado"] = True
                    break
                if response.status_code < 500 and response.status_code not in (408, 429):
                    break  # the receiver refused this notice; sending it again changes nothing
            except requests.RequestException as e:
                outcome["resultado"] = type(e).__name__
            if attempt < self._attempts:
                time.sleep(self._backoff * 2 ** (attempt - 1))
        log.log(logging.INFO if outcome["entregado"] else logging.WARNING,
                "GAF sandbox notice %s to %s: %s after %d attempt(s)",
                event["id"], self.url, outcome["resultado"], outcome["intentos"])
        self._ledger.record_delivery(event["id"], outcome)
