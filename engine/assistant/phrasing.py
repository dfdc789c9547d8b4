"""The optional language model: it may reword an answer, only from the passages Migue retrieved.

Off unless ``TRAMITES_MIGUE_MODEL_URL`` is set. The model gets the question and the guide's
passages (never anything else: no case, no person), and its text is kept only when it is short
(at most :data:`MAX_WORDING` characters) and every figure in it (amounts, days, numbers) is one of
the passages' own; otherwise, or when the model fails, the answer stays the guide's words. The
sources are shown either way, by the front.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from engine.assistant.answers import Answer

log = logging.getLogger("tramites.assistant")

#: The connector operation that rewords (connectors/language_model.py).
OPERATION = "modelo_lenguaje/redactar"
#: Longer wording than this is not a rewording of a few passages.
MAX_WORDING = 2000
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")

Call = Callable[[str, Mapping[str, Any], Mapping[str, Any]], Any]


def _figures(text: str) -> set[str]:
    return {f.replace(".", "").replace(",", "") for f in _FIGURE.findall(text)}


def rephrase(answer: Answer, call: Call) -> Answer:
    """The answer with ``rephrased`` set when the model answered within the passages.

    :param answer: a known answer about a procedure (others are returned unchanged).
    :param call: the connectors' ``invoke(operation, params, context)``.
    :return: ``answer`` itself when there is nothing to reword, or the model failed or went beyond
        the passages; a failure is logged by its kind only, never with the question or the text.
    """
    if not (answer.known and answer.entry and answer.passages):
        return answer
    params = {"pregunta": answer.question, "titulo": answer.entry.name, "fuente": answer.entry.link,
              "pasajes": [{"etiqueta": p.label, "texto": p.text} for p in answer.passages]}
    try:
        text = str(call(OPERATION, params, {})["texto"]).strip()
    except Exception as e:  # any failure of the optional model leaves the guide's answer
        log.warning("the language model did not reword an answer: %s", type(e).__name__)
        return answer
    allowed = _figures(" ".join([*(p.text for p in answer.passages), answer.entry.name, answer.question]))
    if not text or len(text) > MAX_WORDING or not _figures(text) <= allowed:
        log.warning("the language model's wording was set aside: empty, too long or with figures not in the guide")
        return answer
    return replace(answer, rephrased=text)
