"""How the person rated the answer to their closed case: 1 to 5 and an optional comment, once.

A procedure may rate in a task of its own (the reclamo's «Calificar la respuesta» for people with
an account): its form leaves ``calificacion`` (1–5) and ``comentario`` in the case data, and that
is the case's rating. Otherwise, once the case is closed and has an answer for the person (the
manifest's ``resumen.seguimiento``), whoever follows it (the tracking code's holder, the citizen
on their case page) may rate it here; the rating is stored once and audited (``case_rated``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from engine import audit
from engine.casefile import summary
from engine.casefile.models import CaseRating
from engine.db import db, savepoint
from engine.errors import Conflict, DataInvalid
from engine.models import Instance

SCORES = range(1, 6)
ALREADY_RATED = "Esta respuesta ya fue calificada. Gracias por su opinión."
MAX_COMMENT = 1000
#: The case data a procedure's own rating task leaves (the reclamo's calificacion.schema.json).
SCORE_FIELD, COMMENT_FIELD = "calificacion", "comentario"


@dataclass(frozen=True)
class Rating:
    """A rating as people read it back."""

    score: int
    comment: str
    rated_at: datetime | None = None


def rating_of(instance: Instance) -> Rating | None:
    """The case's rating: the one stored here, else the one its own rating task left; ``None`` when unrated."""
    row = db.session.get(CaseRating, instance.id)
    if row is not None:
        return Rating(row.score, row.comment, row.rated_at)
    data = instance.data or {}
    score = data.get(SCORE_FIELD)
    if isinstance(score, int) and not isinstance(score, bool) and score in SCORES:
        return Rating(score, str(data.get(COMMENT_FIELD) or ""))
    return None


def may_rate(instance: Instance) -> bool:
    """Whether the case waits for a rating: closed, with an answer for the person, not rated yet."""
    return instance.status == "completed" and bool(summary.for_tracking(instance)) and rating_of(instance) is None


def rate(instance: Instance, score: int | None, comment: str, actor: str, now: datetime) -> Rating:
    """Store the rating of the case's answer (flushes, never commits).

    :param actor: the citizen's username, or ``seguimiento`` for the tracking code's holder.
    :raises DataInvalid: a score outside 1–5 or a comment too long (Spanish messages).
    :raises Conflict: the case is not closed, has no answer, or was rated already.
    """
    if score is None or score not in SCORES:
        raise DataInvalid("Elija una calificación de 1 a 5.",
                          errors=[{"pointer": "/calificacion", "message": "Elija una calificación de 1 a 5."}])
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        message = f"El comentario puede tener hasta {MAX_COMMENT} caracteres."
        raise DataInvalid(message, errors=[{"pointer": "/comentario", "message": message}])
    if rating_of(instance) is not None:
        raise Conflict(ALREADY_RATED)
    if not may_rate(instance):
        raise Conflict("La respuesta se puede calificar cuando el trámite finaliza.")
    try:  # two ratings sent at once: the case's row is the one key, the second is refused
        with savepoint():
            db.session.add(CaseRating(instance_id=instance.id, score=score, comment=comment, actor=actor,
                                      rated_at=now))
    except IntegrityError:
        raise Conflict(ALREADY_RATED) from None
    audit.record("case_rated", actor, instance_id=instance.id, data={"score": score, "comment": bool(comment)})
    db.session.flush()
    return Rating(score, comment, now)
