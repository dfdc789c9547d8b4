"""A local server speaking the OpenAI chat-completions shape, standing in for the city's model.

No model runs on this machine: the server answers ``POST <base>/chat/completions`` with the
documented response shape (``{"choices": [{"message": {"role": "assistant", "content": …}}]}``)
and the text a test sets, keeps the requests it got so a test can read what was sent, and
answers with an error status when told to.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ChatServer:
    """What the test sets (``reply``, ``status``) and what the server saw (``requests``)."""

    url: str = ""
    reply: str = ""
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _handler(state: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
                return
            state.requests.append(json.loads(body))
            state.headers.append(dict(self.headers))
            if state.status != 200:
                self._send(state.status, {"error": {"message": "unavailable", "type": "server_error"}})
                return
            self._send(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": state.requests[-1]["model"],
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": state.reply}}],
                             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  quiet
            pass

    return Handler


@contextmanager
def chat_server() -> Iterator[ChatServer]:
    """Serve on a loopback port for the ``with`` block; ``url`` is the base (``…/v1``)."""
    state = ChatServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
