"""Migue's answer to one message, from the guide's own words, with its source.

The answer is plain data for the fronts to show (the web widget, later WhatsApp): the procedure
found and the passages of its guide page that answer the question (requirements, cost, duration,
where), the guide page as source, the other close procedures, and the actions the person can take
(file a reclamo, follow one by its tracking code, book an appointment, reach a person). When no
procedure is close enough Migue says it does not know (``known`` false) and offers the guide and
Atención al Vecino. Nothing of the message is kept or logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.assistant import intents
from engine.assistant.index import GuideEntry, GuideIndex, Hit
from engine.casefile import tracking

#: A BM25 score under this is a chance word in common, not an answer (tuned on the «ajuste» half
#: and the questions outside the guide, tests/assistant/questions.yaml).
MIN_SCORE = 0.6
#: The longest question read; the rest is ignored (a question, not a document).
MAX_QUESTION = 500

#: Where people go for what Migue leads to (paths of the portal; the turnero's is its own front).
RECLAMO_NEW = "/reclamos/nuevo"
TRACKING = "/seguimiento/"
MY_CASES = "/mis-tramites/"
APPOINTMENTS = "/turnos/"
GUIDE = "/guia/"


@dataclass(frozen=True)
class Passage:
    """One fact of a guide page: its label as the page shows it, the guide's text, and its items
    when the guide lists them (the requirements)."""

    label: str
    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """Something the person can do next: ``kind`` names it for the front, ``url`` leads there.

    Kinds: ``reclamo`` (file one), ``seguimiento`` (a case's state), ``turno`` (book an appointment),
    ``mis_tramites`` (a signed-in person's cases), ``iniciar`` (start the procedure found), ``guia``
    (the whole guide), ``persona`` (Atención al Vecino's contact, no URL: the front shows the
    contact the city set).
    """

    kind: str
    url: str | None = None


@dataclass(frozen=True)
class Answer:
    """What Migue answers (see the module's docstring)."""

    question: str
    known: bool
    entry: GuideEntry | None = None
    passages: tuple[Passage, ...] = ()
    also: tuple[GuideEntry, ...] = ()
    actions: tuple[Action, ...] = ()
    case_number: str | None = None
    tracking_unknown: bool = False
    rephrased: str | None = field(default=None, compare=False)

    @property
    def source(self) -> str:
        """The page the answer comes from: the procedure's guide page, or the guide itself."""
        return self.entry.link if self.entry else GUIDE


def passages(entry: GuideEntry, aspects: tuple[str, ...]) -> tuple[Passage, ...]:
    """The guide's facts that answer the aspects asked for; all of them when none was named."""
    facts = {
        "requisitos": Passage("Requisitos", "; ".join(entry.requirements) or "Sin requisitos especiales.",
                              entry.requirements),
        "costo": Passage("Costo", entry.fees or "Sin costo."),
        "plazo": Passage("Plazo estimado", entry.duration or "No informado."),
        "donde": Passage("Dónde se hace", _where(entry)),
    }
    chosen = [facts[a] for a in aspects if a in facts] or list(facts.values())
    if entry.description and (not aspects or aspects == ("donde",)):
        chosen.insert(0, Passage("Qué es", entry.description))
    return tuple(chosen)


def _where(entry: GuideEntry) -> str:
    if entry.staff_started:
        return "Lo inicia el personal municipal del área que lo necesita; no se inicia desde el portal de vecinos."
    return ", ".join(entry.channels) if entry.channels else "En línea."


def answer(question: str, index: GuideIndex) -> Answer:
    """Answer a message from the guide.

    :param question: what the person wrote (only its first :data:`MAX_QUESTION` characters are read).
    :param index: the guide as deployed (:func:`engine.assistant.index.current_index`).
    :return: the answer; ``known`` is false when the guide has nothing close enough.
    """
    question = question.strip()[:MAX_QUESTION]
    intent = intents.read(question)
    if intent.follow_claim:
        return _follow(question, intent)
    hits = [h for h in index.search(intents.searchable(question), limit=3) if h.score >= MIN_SCORE]
    actions = _actions(intent, hits)
    if not hits:
        return Answer(question, known=False, actions=actions)
    best = hits[0].entry
    return Answer(question, known=True, entry=best, passages=passages(best, intent.aspects),
                  also=tuple(h.entry for h in hits[1:]), actions=actions)


def _actions(intent: intents.Intent, hits: list[Hit]) -> tuple[Action, ...]:
    found: list[Action] = []
    if intent.new_claim or (hits and hits[0].entry.key == "reclamo"):
        found.append(Action("reclamo", RECLAMO_NEW))
    if intent.appointment:
        found.append(Action("turno", APPOINTMENTS))
    if hits and not hits[0].entry.staff_started and hits[0].entry.key != "reclamo":
        found.append(Action("iniciar", f"/iniciar/{hits[0].entry.key}"))
    if not hits:
        found.append(Action("guia", GUIDE))
    if intent.person or not hits:
        found.append(Action("persona"))
    return tuple(found)


def _follow(question: str, intent: intents.Intent) -> Answer:
    """A question about a case's state: its tracking page when the code is known, else where to type it."""
    if intent.tracking_code is None:
        return Answer(question, known=True,
                      actions=(Action("seguimiento", TRACKING), Action("mis_tramites", MY_CASES)))
    case = tracking.case_by_tracking_code(intent.tracking_code)
    if case is None:
        return Answer(question, known=True, tracking_unknown=True, actions=(Action("seguimiento", TRACKING),))
    return Answer(question, known=True, case_number=case.number,
                  actions=(Action("seguimiento", TRACKING + intent.tracking_code),))
