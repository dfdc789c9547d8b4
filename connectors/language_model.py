"""The city's language model, reached through an OpenAI-compatible chat-completions endpoint.

Optional and off by default: only ``TRAMITES_MIGUE_MODEL_URL`` (the endpoint's base URL, to
which ``/chat/completions`` is added) turns it on; ``TRAMITES_MIGUE_MODEL_NAME`` names the model
and ``TRAMITES_MIGUE_MODEL_KEY``, when the endpoint asks for one, is sent as a bearer token.
Migue (engine/assistant/phrasing.py) calls :meth:`LanguageModelConnector.redactar` to reword an
answer; the model receives the question and the guide's passages only and is told to use nothing
else. Nothing sent or received is logged.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.base import JSON, Connector, ConnectorContext, PermanentError, TemporaryError, operation

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 20.0
#: What the model is told before the passages.
INSTRUCTIONS = (
    "Usted es Migue, el asistente de trámites de la Municipalidad de San Miguel de Tucumán. Responda en "
    "español, trate de «usted» a la persona, sea breve y cordial, y use SOLO la información de los pasajes "
    "de la guía de trámites que se le dan. No agregue datos, montos, plazos ni requisitos que no estén en "
    "los pasajes. Si los pasajes no responden la pregunta, dígalo."
)

_PASSAGE = {"type": "object", "required": ["etiqueta", "texto"], "additionalProperties": False,
            "properties": {"etiqueta": {"type": "string", "maxLength": 100},
                           "texto": {"type": "string", "maxLength": 5000}}}


class LanguageModelConnector(Connector):
    """An OpenAI-compatible chat-completions endpoint that rewords guide passages."""

    name = "modelo_lenguaje"
    settings = ("MIGUE_MODEL_URL", "MIGUE_MODEL_NAME", "MIGUE_MODEL_KEY")
    secrets = ("MIGUE_MODEL_KEY",)

    @operation(
        params={"type": "object", "required": ["pregunta", "titulo", "fuente", "pasajes"],
                "additionalProperties": False,
                "properties": {"pregunta": {"type": "string", "maxLength": 500},
                               "titulo": {"type": "string", "maxLength": 200},
                               "fuente": {"type": "string", "maxLength": 300},
                               "pasajes": {"type": "array", "minItems": 1, "maxItems": 10, "items": _PASSAGE}}},
        result={"type": "object", "required": ["texto"], "properties": {"texto": {"type": "string"}}},
        timeout=30.0,
    )
    def redactar(self, params: JSON, context: ConnectorContext) -> JSON:
        """Reword a guide answer from its passages only (chat completions)."""
        url = self.config.get("MIGUE_MODEL_URL")
        if not url:
            raise PermanentError("El modelo de lenguaje no está configurado (TRAMITES_MIGUE_MODEL_URL).")
        body = {"model": self.config.get("MIGUE_MODEL_NAME") or "default", "temperature": 0,
                "messages": [{"role": "system", "content": INSTRUCTIONS},
                             {"role": "user", "content": _prompt(params)}]}
        headers = {"Authorization": f"Bearer {self.config['MIGUE_MODEL_KEY']}"} if self.config.get(
            "MIGUE_MODEL_KEY") else {}
        try:
            response = requests.post(f"{str(url).rstrip('/')}/chat/completions", json=body, headers=headers,
                                     timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as e:
            raise TemporaryError("No se pudo consultar el modelo de lenguaje.", detail=type(e).__name__) from e
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryError(f"El modelo de lenguaje respondió {response.status_code}.")
        if response.status_code >= 300:
            raise PermanentError(f"El modelo de lenguaje rechazó el pedido ({response.status_code}).")
        return {"texto": _content(response)}


def _prompt(params: JSON) -> str:
    passages = "\n".join(f"- {p['etiqueta']}: {p['texto']}" for p in params["pasajes"])
    return (f"Pregunta del vecino: {params['pregunta']}\n\nPasajes de la guía («{params['titulo']}», "
            f"{params['fuente']}):\n{passages}")


def _content(response: requests.Response) -> str:
    """The first choice's message text, as the chat-completions response shape puts it."""
    try:
        answer: Any = response.json()
        return str(answer["choices"][0]["message"]["content"])
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise PermanentError("El modelo de lenguaje respondió algo que no es una respuesta de chat.") from e
