"""What a message asks for besides a procedure: an action Migue can lead to, and which facts.

Read from the plain words (:func:`engine.plain_text.plain`), so «¿Cómo va mi reclamo?» and
«como va mi reclamo» read the same. Only a few, unambiguous signals: anything else is a question
for the guide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.casefile import tracking
from engine.plain_text import plain

#: What part of a procedure a question is about, by the words that ask for it.
ASPECT_WORDS: dict[str, tuple[str, ...]] = {
    "requisitos": ("requisito", "necesit", "papel", "document", "llevo", "llevar", "present", "piden", "pide",
                   "dato"),
    "costo": ("cuesta", "cuestan", "costo", "sale ", "precio", "tasa", "paga", "arancel", "cobra", "valor"),
    "plazo": ("tarda", "demora", "cuanto tiempo", "plazo", "cuantos dias", "en cuantos", "cuando me", "entregan"),
    "donde": ("donde", "lugar", "oficina", "presencial", "por internet", "en linea", "online"),
}
_STATE = re.compile(r"\b(como va|estado|seguimiento|en que anda|que paso con|novedades de)\b")
_FOLLOWED = re.compile(r"\b(reclamo|caso|pedido|expediente|tramite|codigo)\b")
_NEW_CLAIM = re.compile(r"\b(hacer|iniciar|presentar|cargar|dejar|quiero) (un |mi )?reclamo\b|\breclamar\b")
_APPOINTMENT = re.compile(r"\b(turno|turnos|cita|sacar hora)\b")
_PERSON = re.compile(r"\b(persona|humano|humana|operador|operadora|agente|alguien de la muni|hablar con)\b")
# A lookahead, so that candidates may overlap: in «caso 2345 6789 ABCD» the first try, «caso2345…», fails.
_CODE = re.compile(r"(?=\b([2-9a-z]{4}[- ]?[2-9a-z]{4}[- ]?[2-9a-z]{4})\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Intent:
    """The signals of one message.

    :param aspects: the facts asked for (keys of :data:`ASPECT_WORDS`), in that table's order;
        empty = the procedure as a whole.
    :param tracking_code: a tracking code the message holds, in its stored form.
    """

    aspects: tuple[str, ...] = ()
    follow_claim: bool = False
    new_claim: bool = False
    appointment: bool = False
    person: bool = False
    tracking_code: str | None = None


def searchable(message: str) -> str:
    """The message without its asking for a person: «hablar con una persona» is not about the
    procedure that acts for «otra persona»."""
    return _PERSON.sub(" ", plain(message))


def read(message: str) -> Intent:
    """The signals of a message (see :class:`Intent`)."""
    words = f" {plain(message)} "
    code = next((c for c in (tracking.normalize(m) for m in _CODE.findall(message)) if c), None)
    return Intent(
        aspects=tuple(a for a, signs in ASPECT_WORDS.items() if any(s in words for s in signs)),
        follow_claim=code is not None or bool(_STATE.search(words) and _FOLLOWED.search(words)),
        new_claim=bool(_NEW_CLAIM.search(words)),
        appointment=bool(_APPOINTMENT.search(words)),
        person=bool(_PERSON.search(words)),
        tracking_code=code,
    )
