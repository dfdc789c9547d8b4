"""How Migue reads Spanish: accents, plurals, synonyms, the aspects asked for, and the intents."""

from __future__ import annotations

import pytest

from engine.assistant import intents, text
from engine.assistant.answers import MIN_SCORE, answer
from engine.plain_text import plain
from tests.assistant.accuracy import manifest_index


@pytest.mark.parametrize(("a", "b"), [
    ("habilitación", "habilitacion"), ("Habilitaciones", "habilitar"), ("reclamos", "reclamo"),
    ("árboles", "arbol"), ("permisos", "permiso"), ("kioscos", "kiosco"),
])
def test_accents_case_and_plurals_meet_at_one_stem(a: str, b: str) -> None:
    assert text.terms(a) == text.terms(b)


def test_question_words_and_connecting_words_are_not_searched() -> None:
    assert text.words("¿Qué necesito para hacer el trámite en la Municipalidad?") == []


def test_the_ñ_stays_a_letter_of_its_own() -> None:
    assert plain("Señalización") == "señalizacion"


def test_a_synonym_adds_the_guides_words_to_the_question() -> None:
    terms = text.question_terms("habilitar el local")
    assert text.stem("habilitacion") in terms and text.stem("local") in terms
    assert text.stem("comercio") in text.question_terms("un kiosco")


@pytest.mark.parametrize(("question", "aspects"), [
    ("¿Cuánto cuesta el certificado?", ("costo",)),
    ("¿Qué papeles llevo?", ("requisitos",)),
    ("¿Cuánto tarda la habilitación?", ("plazo",)),
    ("¿Dónde se hace?", ("donde",)),
    ("¿Qué necesito y cuánto cuesta?", ("requisitos", "costo")),
    ("Habilitación comercial", ()),
])
def test_the_aspects_asked_for(question: str, aspects: tuple[str, ...]) -> None:
    assert intents.read(question).aspects == aspects


def test_intents_follow_claim_turno_and_person() -> None:
    assert intents.read("¿Cómo va mi reclamo?").follow_claim
    assert intents.read("estado del caso 2345-6789-ABCD").tracking_code == "23456789ABCD"
    assert intents.read("estado del caso 2345 6789 abcd").tracking_code == "23456789ABCD"
    assert intents.read("Habilitación comercial").tracking_code is None  # a 12-letter word is not a code
    assert intents.read("Quiero sacar un turno").appointment
    assert intents.read("Quiero hablar con una persona").person
    assert intents.read("Quiero hacer un reclamo").new_claim


def test_only_the_facts_asked_for_and_all_of_them_otherwise() -> None:
    index = manifest_index()
    cost = answer("¿Cuánto cuesta la habilitación comercial?", index)
    assert [p.label for p in cost.passages] == ["Costo"] and "$ 25.000" in cost.passages[0].text
    whole = answer("habilitación comercial", index)
    assert [p.label for p in whole.passages] == ["Qué es", "Requisitos", "Costo", "Plazo estimado", "Dónde se hace"]
    assert whole.source == "/guia/habilitacion_comercial"


def test_staff_started_procedures_say_so_and_offer_no_start() -> None:
    found = answer("¿Dónde se hace el circuito de compras y contrataciones?", manifest_index())
    assert found.entry is not None and found.entry.key == "compras"
    assert "personal municipal" in found.passages[-1].text
    assert not [a for a in found.actions if a.kind == "iniciar"]


def test_questions_outside_the_guide_are_not_known() -> None:
    import yaml

    from tests.assistant.accuracy import HERE
    outside = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))["fuera_de_la_guia"]
    index = manifest_index()
    for question in outside:
        found = answer(question, index)
        assert not found.known and found.source == "/guia/", question
        assert [a.kind for a in found.actions] == ["guia", "persona"]
        assert all(h.score < MIN_SCORE for h in index.search(question))


def test_a_long_message_is_read_up_to_its_first_500_characters() -> None:
    found = answer("kiosco " + "x" * 10_000, manifest_index())
    assert len(found.question) == 500


@pytest.mark.parametrize("report", [
    "se cayó un árbol en la vereda", "hay un pozo en la calle", "la luz de la esquina no anda",
])
def test_everyday_reports_lead_to_the_reclamo_and_its_form(report: str) -> None:
    found = answer(report, manifest_index())
    assert found.entry is not None and found.entry.key == "reclamo"
    assert [a.url for a in found.actions if a.kind == "reclamo"] == ["/reclamos/nuevo"]


def test_asking_for_a_person_is_not_a_question_about_powers_of_attorney() -> None:
    index = manifest_index()
    alone = answer("Quiero hablar con una persona", index)
    assert not alone.known and "persona" in [a.kind for a in alone.actions]
    about = answer("Quiero hablar con una persona sobre la habilitación de mi local", index)
    assert about.entry is not None and about.entry.key == "habilitacion_comercial"
    assert "persona" in [a.kind for a in about.actions]
    assert answer("¿Cómo hago trámites en nombre de otra persona?", index).entry.key == "apoderamiento"
