"""The question set itself: size, held-out half, questions that avoid the title's words."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
#: Connecting words that do not count as "a word of the title".
CONNECTING = {"de", "del", "la", "las", "el", "los", "y", "e", "o", "u", "en", "para", "una", "un", "al", "a", "por"}


def load() -> dict:
    return yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))


def _words(text: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return {w for w in re.findall(r"[a-z0-9]+", plain) if w not in CONNECTING}


def _titles() -> dict[str, str]:
    titles = {}
    for manifest in (ROOT / "processes").glob("*/manifest.yaml"):
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        if data.get("guia", True) is not False:
            titles[f"/guia/{data['key']}"] = data["name"]
    return titles


def _shares_title_word(question: str, title: str) -> bool:
    return any(q[:5] == t[:5] for q in _words(question) for t in _words(title))


def test_at_least_sixty_questions_each_naming_a_listed_guide_page():
    questions = load()["preguntas"]
    titles = _titles()
    assert len(questions) >= 60
    assert {q["pagina"] for q in questions} == set(titles)
    assert len({q["pregunta"] for q in questions}) == len(questions)


def test_the_title_free_flag_is_true_and_a_third_carry_it():
    questions = load()["preguntas"]
    titles = _titles()
    flagged = [q for q in questions if q.get("sin_palabras_del_titulo")]
    for q in questions:
        assert bool(q.get("sin_palabras_del_titulo")) == (not _shares_title_word(q["pregunta"], titles[q["pagina"]])), q
    assert len(flagged) * 3 >= len(questions)


def test_a_fixed_held_out_half_covering_every_page():
    questions = load()["preguntas"]
    sets = Counter(q["conjunto"] for q in questions)
    assert set(sets) == {"ajuste", "reserva"}
    assert abs(sets["ajuste"] - sets["reserva"]) <= 1
    held_out_pages = {q["pagina"] for q in questions if q["conjunto"] == "reserva"}
    assert held_out_pages == {q["pagina"] for q in questions}
    held_out_title_free = [q for q in questions if q["conjunto"] == "reserva" and q.get("sin_palabras_del_titulo")]
    assert len(held_out_title_free) * 3 >= sets["reserva"]


def test_questions_outside_the_guide_are_kept_apart():
    assert len(load()["fuera_de_la_guia"]) >= 3
