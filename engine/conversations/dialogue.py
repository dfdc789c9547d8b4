"""The guided dialogue in Spanish: a small state machine from one inbound message to the replies.

Pure: it reads the conversation's state and context and the message, and returns the next state
and context, the replies, and the action the engine must take (start the reclamo, hand over to a
person, answer a case's state, store a rating, ask Migue). States:

``inicio`` → (a reclamo) ``categoria`` → ``lugar`` → ``foto`` → ``descripcion`` → ``contacto`` →
action ``reclamo`` → ``inicio``; ``calificar`` waits for a score of a pushed answer; ``persona``
while Atención al Vecino attends the conversation. «cancelar» leaves a reclamo half-way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.assistant import intents
from engine.intake.reclamos import CATEGORIES
from engine.plain_text import plain

START, CATEGORY, PLACE, PHOTO, DESCRIPTION, CONTACT, RATING, PERSON = (
    "inicio", "categoria", "lugar", "foto", "descripcion", "contacto", "calificar", "persona")
#: What the engine does after a turn.
ACT_RECLAMO, ACT_PERSON, ACT_STATE, ACT_RATE, ACT_MIGUE = "reclamo", "persona", "estado", "calificar", "migue"
MIN_DESCRIPTION, MAX_DESCRIPTION = 10, 2000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_CANCEL = re.compile(r"\b(cancelar|cancela|salir|menu)\b")
_SKIP = re.compile(r"\b(omitir|no|sin foto|no tengo|ninguno|anonimo)\b")
_CLAIM_WORDS = re.compile(r"\b(reclamo|reclamar|denunciar|avisar de un problema)\b")
NEW_CLAIM, PERSON_OPTION, SKIP = "reclamo", "persona", "omitir"


@dataclass(frozen=True)
class Inbound:
    """One message of the person, as the channel read it."""

    kind: str
    text: str = ""
    location: dict[str, Any] | None = None
    media_id: str | None = None
    reply_id: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message to send: text, with up to three reply buttons or a list of options."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, str, str], ...] = ()
    options_button: str = "Ver opciones"


@dataclass(frozen=True)
class Turn:
    """The dialogue's answer to one message."""

    state: str
    context: dict[str, Any]
    replies: tuple[Reply, ...] = ()
    action: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


CATEGORY_LIST = Reply("¿Qué tipo de problema quiere informar?",
                      options=tuple((c.code, c.name, c.description[:72]) for c in CATEGORIES.values()),
                      options_button="Elegir el tipo")
ASK_PLACE = Reply("¿Dónde está el problema? Comparta la ubicación (📎 → Ubicación) o escriba la dirección.")
ASK_LOCATION_TOO = Reply("Gracias, anoté la dirección. Para ubicarlo en el mapa, comparta también la ubicación "
                         "(📎 → Ubicación) desde el lugar o cerca de él.")
ASK_PHOTO = Reply("Si puede, envíe una foto del problema.", buttons=((SKIP, "Sin foto"),))
ASK_DESCRIPTION = Reply(f"Describa el problema en pocas palabras (al menos {MIN_DESCRIPTION} letras).")
ASK_CONTACT = Reply("Le avisaremos la respuesta por este chat. Si quiere recibirla también por correo, escriba su "
                    "dirección de correo; si no, toque «Omitir».", buttons=((SKIP, "Omitir"),))
MENU = Reply("Soy Migue, el asistente de la Municipalidad de San Miguel de Tucumán. Puede preguntarme por "
             "cualquier trámite, hacer un reclamo o pedir hablar con una persona.",
             buttons=((NEW_CLAIM, "Hacer un reclamo"), (PERSON_OPTION, "Hablar con alguien")))
CANCELLED = Reply("Listo, dejamos el reclamo sin enviar. ¿En qué más lo puedo ayudar?")


def step(state: str, context: dict[str, Any], message: Inbound) -> Turn:
    """The next state, replies and action for one message (see the module's docstring)."""
    words = plain(message.text)
    if state in (CATEGORY, PLACE, PHOTO, DESCRIPTION, CONTACT) and _CANCEL.search(words):
        return Turn(START, {}, (CANCELLED,))
    handler = _HANDLERS.get(state, _start)
    return handler(context, message, words)


def _start(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    kept = {k: v for k, v in context.items() if k == "calificar"}
    if message.reply_id == NEW_CLAIM or (message.kind == "text" and _CLAIM_WORDS.search(words)
                                         and not intents.read(message.text).follow_claim):
        return Turn(CATEGORY, {"reclamo": {}}, (CATEGORY_LIST,))
    if message.reply_id == PERSON_OPTION:
        return Turn(PERSON, kept, action=ACT_PERSON)
    if message.kind != "text" or not words.strip():
        return Turn(START, kept, (MENU,))
    intent = intents.read(message.text)
    if intent.person:
        return Turn(PERSON, kept, action=ACT_PERSON)
    if intent.follow_claim:
        return Turn(START, kept, action=ACT_STATE, detail={"codigo": intent.tracking_code})
    if words.strip() in ("hola", "buenas", "buen dia", "buenas tardes", "buenas noches", "menu", "ayuda"):
        return Turn(START, kept, (MENU,))
    return Turn(START, kept, action=ACT_MIGUE, detail={"pregunta": message.text})


def _category(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    chosen = message.reply_id if message.reply_id in CATEGORIES else _category_by_words(words)
    if chosen is None:
        return Turn(CATEGORY, context, (CATEGORY_LIST,))
    return Turn(PLACE, _with(context, categoria=chosen), (ASK_PLACE,))


def _category_by_words(words: str) -> str | None:
    for category in CATEGORIES.values():
        signs = [plain(category.name)] + [plain(k).strip() for k in category.keywords.split(",")]
        if any(sign and sign in words for sign in signs) and category.code != "otros":
            return category.code
    return "otros" if "otro" in words else None


def _place(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    if message.kind == "location" and message.location and message.location.get("lat") is not None:
        where = message.location
        address = where.get("direccion") or where.get("nombre") or context["reclamo"].get("direccion") or ""
        return Turn(PHOTO, _with(context, ubicacion={"lat": where["lat"], "lon": where["lon"]},
                                 direccion=str(address)[:300]), (ASK_PHOTO,))
    if message.kind == "text" and len(message.text.strip()) >= 4:
        return Turn(PLACE, _with(context, direccion=message.text.strip()[:300]), (ASK_LOCATION_TOO,))
    return Turn(PLACE, context, (ASK_PLACE,))


def _photo(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    if message.kind == "image" and message.media_id:
        extra = {"descripcion": message.text.strip()} if len(message.text.strip()) >= MIN_DESCRIPTION else {}
        updated = _with(context, foto=message.media_id, **extra)
        return _after_photo(updated)
    if message.reply_id == SKIP or _SKIP.search(words):
        return _after_photo(context)
    return Turn(PHOTO, context, (ASK_PHOTO,))


def _after_photo(context: dict[str, Any]) -> Turn:
    if context["reclamo"].get("descripcion"):
        return Turn(CONTACT, context, (ASK_CONTACT,))
    return Turn(DESCRIPTION, context, (ASK_DESCRIPTION,))


def _description(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    text = message.text.strip()
    if message.kind != "text" or len(text) < MIN_DESCRIPTION:
        return Turn(DESCRIPTION, context, (ASK_DESCRIPTION,))
    return Turn(CONTACT, _with(context, descripcion=text[:MAX_DESCRIPTION]), (ASK_CONTACT,))


def _contact(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    found = _EMAIL.search(message.text or "")
    if found:
        return Turn(START, {}, action=ACT_RECLAMO, detail={**context["reclamo"], "email": found.group(0)[:254]})
    if message.reply_id == SKIP or _SKIP.search(words):
        return Turn(START, {}, action=ACT_RECLAMO, detail=dict(context["reclamo"]))
    return Turn(CONTACT, context, (ASK_CONTACT,))


def _rating(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    chosen = message.reply_id or words.strip()
    score = next((int(c) for c in chosen if c in "12345"), None) if len(chosen) <= 20 else None
    case = context.get("calificar")
    if score is None or not case:
        return _start({k: v for k, v in context.items() if k != "calificar"}, message, words)
    return Turn(START, {}, action=ACT_RATE, detail={"caso": case, "calificacion": score})


def _person(context: dict[str, Any], message: Inbound, words: str) -> Turn:
    """While a person attends the conversation, the messages wait for them (the transcript grows)."""
    return Turn(PERSON, context)


def _with(context: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {**context, "reclamo": {**context.get("reclamo", {}), **values}}


_HANDLERS = {CATEGORY: _category, PLACE: _place, PHOTO: _photo, DESCRIPTION: _description, CONTACT: _contact,
             RATING: _rating, PERSON: _person}
