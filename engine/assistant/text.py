"""Spanish text as search terms: no accents, no connecting words, stems, and the city's synonyms.

The guide and the question go through the same steps, so «habilitación», «habilitaciones» and
«habilitar» meet at one stem, and «kiosco» also searches «comercio» (:data:`SYNONYMS`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from bm25s.stopwords import STOPWORDS_SPANISH

from engine.plain_text import plain

#: Words of any question about procedures that say nothing about which one (besides Spanish
#: connecting words): asking, wanting, the city itself.
QUESTION_WORDS = frozenset({
    "que", "como", "cuanto", "cuanta", "cuantos", "cuantas", "cual", "cuales", "donde", "cuando", "quien",
    "necesito", "necesita", "quiero", "quiere", "puedo", "puede", "tengo", "tiene", "hago", "hace", "hacer",
    "tramite", "tramites", "municipalidad", "muni", "municipal", "ciudad", "favor", "hola", "buenas",
    "dia", "dias", "mi", "mis", "me", "le", "lo", "hay", "sobre", "cosa", "algo", "alguien", "otra", "vez",
})

#: A word of the people's Spanish → the guide's words for the same thing. Tuned on the «ajuste»
#: half of tests/assistant/questions.yaml only.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # «kiosco» and «habilitar» come from the issue's own example question, the reclamo words below
    # «bache» from trying everyday reports by hand; the rest from the «ajuste» questions.
    "kiosco": ("comercio", "local"),
    "almacen": ("comercio", "local"),
    "peluqueria": ("comercio", "local"),
    "panaderia": ("comercio", "elaboracion", "alimentos"),
    "abrir": ("habilitacion",),
    "habilitar": ("habilitacion",),
    "escribania": ("compraventa", "inmueble"),
    "vender": ("compraventa",),
    "casa": ("inmueble",),
    "departamento": ("inmueble",),
    "propiedad": ("inmueble",),
    "comprar": ("compras",),
    "oferta": ("cotizacion",),
    "propuesta": ("cotizacion",),
    "feria": ("evento",),
    "festival": ("evento",),
    "corte": ("calles",),
    "procesion": ("evento", "religiosos"),
    "volquete": ("contenedor", "via", "publica"),
    "vereda": ("via", "publica"),
    "bache": ("reclamo", "problema"),
    # From trying the issue's own example of a reclamo, «se cayó un árbol»: the guide says «caído».
    "cayo": ("caido",),
    "cae": ("caido",),
    "pozo": ("bache", "reclamo"),
    "luz": ("luminaria", "reclamo"),
    "foco": ("luminaria", "reclamo"),
    "denuncio": ("reclamo",),
    "bancos": ("mobiliario", "urbano"),
    "equivocado": ("incorrectos",),
    "perfil": ("cuenta",),
    "cambio": ("corregir",),
    "corregir": ("rectificacion", "correccion"),
    "poder": ("apoderamiento",),
    "apoderado": ("apoderamiento", "representada"),
    "representar": ("representada", "apoderamiento"),
}

_WORD = re.compile(r"[a-z0-9ñ]+")
_STOP = frozenset(STOPWORDS_SPANISH) | QUESTION_WORDS


def words(text: str) -> list[str]:
    """The words that may tell one procedure from another, plain, in the text's order."""
    return [w for w in _WORD.findall(plain(text)) if w not in _STOP and (len(w) > 1 or w.isdigit())]


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The Snowball stem of a plain word; a plural in «-os»/«-as» loses its «s» first («reclamos»)."""
    if len(word) > 4 and word[-1] == "s" and word[-2] in "ao":
        word = word[:-1]
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("spanish")


def terms(text: str) -> list[str]:
    """The guide's side: the stems of the text's words."""
    return [stem(w) for w in words(text)]


def question_terms(text: str) -> list[str]:
    """The question's side: its stems, and the stems of the guide's words for its words."""
    found: list[str] = []
    for word in words(text):
        found.append(stem(word))
        found.extend(stem(s) for s in SYNONYMS.get(word, ()))
    return found
