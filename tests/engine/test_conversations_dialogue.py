"""The WhatsApp dialogue as a pure state machine: the guided reclamo, the exits, ratings, Migue's turn."""

from __future__ import annotations

from engine.conversations import dialogue
from engine.conversations.dialogue import Inbound, step

PLACE = {"lat": -26.83, "lon": -65.2, "nombre": "Plaza Independencia", "direccion": None}


def text(body: str) -> Inbound:
    return Inbound("text", body)


def chosen(option: str) -> Inbound:
    return Inbound("interactive", option, reply_id=option)


def test_the_guided_reclamo_collects_category_place_photo_description_and_contact() -> None:
    turn = step("inicio", {}, text("Quiero hacer un reclamo"))
    assert turn.state == "categoria" and turn.replies[0].options
    turn = step(turn.state, turn.context, chosen("arbolado"))
    assert turn.state == "lugar"
    turn = step(turn.state, turn.context, Inbound("location", location=PLACE))
    assert turn.state == "foto" and turn.context["reclamo"]["direccion"] == "Plaza Independencia"
    turn = step(turn.state, turn.context, Inbound("image", media_id="M1"))
    assert turn.state == "descripcion"
    turn = step(turn.state, turn.context, text("corto"))
    assert turn.state == "descripcion"  # fewer than ten letters: asked again
    turn = step(turn.state, turn.context, text("Se cayó un árbol sobre la vereda"))
    assert turn.state == "contacto"
    turn = step(turn.state, turn.context, text("mi correo es raul@example.com gracias"))
    assert turn.state == "inicio" and turn.action == dialogue.ACT_RECLAMO
    assert turn.detail == {"categoria": "arbolado", "ubicacion": {"lat": -26.83, "lon": -65.2},
                           "direccion": "Plaza Independencia", "foto": "M1",
                           "descripcion": "Se cayó un árbol sobre la vereda", "email": "raul@example.com"}


def test_a_typed_address_is_kept_and_the_location_still_asked() -> None:
    context = {"reclamo": {"categoria": "baches"}}
    turn = step("lugar", context, text("Laprida 500"))
    assert turn.state == "lugar" and turn.context["reclamo"]["direccion"] == "Laprida 500"
    turn = step(turn.state, turn.context, Inbound("location", location={**PLACE, "nombre": None}))
    assert turn.state == "foto" and turn.context["reclamo"]["direccion"] == "Laprida 500"


def test_words_choose_the_category_and_a_photo_caption_is_the_description() -> None:
    assert step("categoria", {"reclamo": {}}, text("un bache enorme")).context["reclamo"]["categoria"] == "baches"
    assert step("categoria", {"reclamo": {}}, text("no sé")).state == "categoria"
    context = {"reclamo": {"categoria": "baches", "ubicacion": {"lat": 1, "lon": 2}}}
    turn = step("foto", context, Inbound("image", "Un pozo muy profundo en la esquina", media_id="M2"))
    assert turn.state == "contacto" and turn.context["reclamo"]["descripcion"].startswith("Un pozo")
    assert step("foto", context, chosen("omitir")).state == "descripcion"


def test_cancel_leaves_the_reclamo_and_a_person_can_always_be_asked_for() -> None:
    turn = step("descripcion", {"reclamo": {"categoria": "otros"}}, text("cancelar"))
    assert turn.state == "inicio" and turn.context == {} and turn.action is None
    assert step("inicio", {}, text("quiero hablar con una persona")).action == dialogue.ACT_PERSON
    assert step("inicio", {}, chosen("persona")).action == dialogue.ACT_PERSON
    assert step("persona", {}, text("hola?")).replies == ()  # staff read it: Migue stays quiet


def test_state_questions_ratings_and_migue() -> None:
    asked = step("inicio", {}, text("¿Cómo va mi reclamo?"))
    assert asked.action == dialogue.ACT_STATE and asked.detail == {"codigo": None}
    rated = step("calificar", {"calificar": "caso-1"}, chosen("4"))
    assert rated.action == dialogue.ACT_RATE and rated.detail == {"caso": "caso-1", "calificacion": 4}
    other = step("calificar", {"calificar": "caso-1"}, text("¿qué necesito para habilitar un kiosco?"))
    assert other.action == dialogue.ACT_MIGUE and other.state == "inicio"
    assert step("inicio", {}, text("hola")).replies == (dialogue.MENU,)
    assert step("inicio", {}, Inbound("image", media_id="M")).replies == (dialogue.MENU,)
