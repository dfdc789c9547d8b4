"""Asking Migue: the guide's answer to a message, reworded by the language model when it is on."""

from __future__ import annotations

from engine.assistant import answers, index, phrasing
from engine.assistant.answers import Answer


def ask(question: str, *, call: phrasing.Call | None = None) -> Answer:
    """Answer one message from the guide as deployed now.

    :param question: what the person wrote.
    :param call: the connectors' ``invoke`` when the language model is on (``TRAMITES_MIGUE_MODEL_URL``
        set), else ``None``: the answer is then the guide's own words.
    :return: the answer; nothing of the question is stored.
    """
    found = answers.answer(question, index.current_index())
    return found if call is None else phrasing.rephrase(found, call)
