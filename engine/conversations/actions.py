"""What the dialogue's actions do: start the reclamo, answer a case's state, store a rating, ask Migue."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.assistant import migue
from engine.assistant.answers import Answer
from engine.casefile import ratings, summary, tracking
from engine.casefile.expediente import NewDocument
from engine.conversations.dialogue import Reply
from engine.conversations.models import Conversation, ConversationCase
from engine.db import db
from engine.errors import Conflict, DataInvalid, NotFound
from engine.intake import reclamos
from engine.models import Instance
from engine.ports import DocumentStore
from engine.workflow.step import EngineContext

CHANNEL = "whatsapp"
MEDIA_OPERATION = "notificar/whatsapp_medio"
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
#: Who rates by WhatsApp: the holder of the case's tracking code, like the tracking page.
RATER = "seguimiento"
STATES = {"recibido": "recibido, esperando que lo tome el área", "ampliado": "con los datos que agregó, en el área",
          "resuelto": "resuelto", "no_corresponde": "cerrado: no corresponde a la Municipalidad",
          "cerrado_sin_datos": "cerrado por falta de datos"}
PhotoFetcher = Callable[[str], NewDocument | None]


def photo_fetcher(ctx: EngineContext, store: DocumentStore | None) -> PhotoFetcher:
    """Fetch a photo by its media id through the channel's connector and keep it in the document store.

    The fetcher answers ``None`` when the photo cannot be had (no store, the channel refused, not
    a JPEG or PNG): the reclamo goes on without it and the person is told.
    """

    def fetch(media_id: str) -> NewDocument | None:
        if store is None or ctx.call_connector is None:
            return None
        try:
            found = ctx.call_connector(MEDIA_OPERATION, {"id": media_id}, {})
            content = base64.b64decode(found["contenido"], validate=True)
        except (binascii.Error, KeyError, TypeError):
            return None
        except Exception as e:  # the channel's typed errors: the reclamo must not be lost for a photo
            if getattr(e, "message", None) is None:
                raise
            return None
        kind = _sniffed(content)
        if kind is None:
            return None
        key = store.put(io.BytesIO(content))
        return NewDocument(kind="uploaded", title="Foto enviada por WhatsApp",
                           filename=f"foto-whatsapp.{PHOTO_TYPES[kind]}", content_type=kind, size=len(content),
                           sha256=hashlib.sha256(content).hexdigest(), storage_key=key)

    return fetch


def _sniffed(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def start_reclamo(ctx: EngineContext, conversation: Conversation, detail: dict[str, Any],
                  fetch_photo: PhotoFetcher) -> Reply:
    """Start the same ``reclamo`` process as the web, with the conversation's answers."""
    photo = fetch_photo(detail["foto"]) if detail.get("foto") else None
    contact: dict[str, str] = {"telefono": "+" + conversation.address.lstrip("+")}
    if conversation.name:
        contact["nombre"] = conversation.name[:120]
    if detail.get("email"):
        contact["email"] = detail["email"]
    data = {"categoria": detail["categoria"], "descripcion": detail["descripcion"], "ubicacion": detail["ubicacion"],
            "direccion": detail.get("direccion") or "", "contacto": contact}
    try:
        started = reclamos.start(ctx, data, channel=CHANNEL, photos=[photo] if photo else ())
    except DataInvalid as e:
        return Reply("No pudimos registrar el reclamo: " + e.message + " Escriba «reclamo» para empezar de nuevo.")
    except NotFound:  # this installation has not deployed processes/reclamo
        return Reply("Ahora no podemos recibir reclamos por este chat. Puede hacerlo en la web de la Municipalidad.")
    db.session.add(ConversationCase(instance_id=started.instance.id, conversation_id=conversation.id,
                                    tracking_code=started.tracking_code, created_at=ctx.now()))
    lost = "" if photo or not detail.get("foto") else " No pudimos recibir la foto; el reclamo sigue sin ella."
    return Reply(f"¡Gracias! Registramos su reclamo número {started.instance.number}. Su código de seguimiento es "
                 f"{started.tracking_code}: escríbalo cuando quiera saber cómo va. Le avisaremos por aquí la "
                 f"respuesta.{lost}")


def case_state(conversation: Conversation, code: str | None, public_url: str) -> Reply:
    """The state of the case with that tracking code, else of the conversation's latest reclamo."""
    instance = tracking.case_by_tracking_code(code) if code else _latest_case(conversation)
    if instance is None:
        if code:
            return Reply("No encontramos un trámite con ese código. Revise las letras y los números y vuelva a "
                         "escribirlo.")
        return Reply("No tenemos reclamos hechos desde este teléfono. Si tiene un código de seguimiento, "
                     "escríbalo y le digo cómo va.")
    shown = code or tracking.existing_code(instance) or ""
    state = STATES.get(str((instance.data or {}).get("estado")), "en trámite")
    lines = [f"Su trámite {instance.number} está {state}."]
    if instance.status == "completed":
        answer = answer_text(instance)
        if answer:
            lines.append(f"Respuesta: {answer}")
    lines.append(f"Más detalles: {public_url.rstrip('/')}/seguimiento/{shown}")
    return Reply("\n".join(lines))


def _latest_case(conversation: Conversation) -> Instance | None:
    row = db.session.scalar(select(ConversationCase).where(ConversationCase.conversation_id == conversation.id)
                            .order_by(ConversationCase.created_at.desc()).limit(1))
    return db.session.get(Instance, row.instance_id) if row is not None else None


def answer_text(instance: Instance) -> str:
    """The answer meant for the person (the procedure's ``seguimiento`` lines), as one line."""
    return " ".join(str(line.value) for line in summary.for_tracking(instance) if line.value)[:1500]


def rate(ctx: EngineContext, conversation: Conversation, detail: dict[str, Any]) -> Reply:
    """Store the rating of a pushed answer (the case must be this conversation's)."""
    link = db.session.get(ConversationCase, str(detail.get("caso") or ""))
    instance = db.session.get(Instance, link.instance_id) if link and link.conversation_id == conversation.id else None
    if instance is None:
        return Reply("No encontramos el reclamo a calificar.")
    try:
        ratings.rate(instance, int(detail["calificacion"]), "", RATER, ctx.now())
    except (DataInvalid, Conflict) as e:
        return Reply(e.message)
    return Reply("¡Gracias por calificar la respuesta! Su opinión nos ayuda a mejorar.")


def ask_migue(question: str, public_url: str, call: Any = None) -> Reply:
    """Migue's answer as one WhatsApp message, with the guide's link as its source."""
    return Reply(migue_text(migue.ask(question, call=call), public_url))


def migue_text(answer: Answer, public_url: str) -> str:
    base = public_url.rstrip("/")
    if not answer.known or answer.entry is None:
        return ("No encontré eso en la guía de trámites. Puede buscarlo en " + base + "/guia/ o escribir "
                "«hablar con una persona» y lo atiende Atención al Vecino.")
    if answer.rephrased:
        body = answer.rephrased
    else:
        parts = [f"*{answer.entry.name}*"]
        for passage in answer.passages:
            if passage.items:
                parts.append(f"{passage.label}:\n" + "\n".join(f"• {item}" for item in passage.items))
            else:
                parts.append(f"{passage.label}: {passage.text}")
        body = "\n\n".join(parts)
    return f"{body}\n\nFuente: {base}{answer.source}"[:4000]
