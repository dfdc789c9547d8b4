"""The platform speaks to people with «usted», never with voseo («Hacé», «Ingresá», «tus trámites»).

The scan reads every file people's words come from: templates, Python (its ``_()`` strings and
engine messages), the notification templates, the studio's scripts and the procedures' BPMN,
DMN, YAML, JSON and HTML. It looks for whole words, so English code never matches.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("portal", "worklists", "forms", "connectors", "engine", "processes", "storage", "bounds")
SUFFIXES = {".py", ".html", ".txt", ".yaml", ".yml", ".json", ".bpmn", ".dmn", ".js", ".md", ".j2"}
SKIPPED = ("portal/static/vendor/", "engine/identity/common_passwords.txt")

# Imperatives and present forms of the verbs a form or a page asks people to do, with and
# without a pronoun attached, and the possessives and pronouns of «vos».
VOSEO = frozenset("""
    hacé iniciá ingresá elegí completá revisá subí cargá seguí descargá escribí adjuntá indicá
    verificá presentá pagá buscá volvé probá confirmá guardá abrí mirá creá usá enviá esperá
    recordá agregá tocá cambiá intentá llamá corregí aceptá dejá seleccioná marcá ubicá describí
    sacá mandá anotá consultá pedí leé respondé contestá registrá accedé poné tené decí vení andá
    imprimí firmá solicitá reclamá contactá comunicá acercá sumá evitá informá avisá aclará
    fijate asegurate registrate comunicate acercate acordate
    contanos avisanos escribinos decinos dejanos llamanos
    escribila escribilo subilo subila cargalo cargala revisalo revisala completalo completala
    descargalo descargala hacelo guardalo guardala elegilo elegila ingresalo ingresala
    podés tenés querés sabés debés necesitás estás hacés recibís elegís encontrás completás
    ingresás pagás iniciás revisás subís cargás seguís descargás podrás tendrás
    vos tus tu contigo
""".split())
# Words that look like voseo but say something else where they appear (none yet).
ALLOWED: dict[str, set[str]] = {}

WORD = re.compile(r"\b[^\W\d_]+\b")  # a whole word of letters: never part of an identifier


def _files() -> list[Path]:
    found = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix in SUFFIXES and path.is_file() and not relative.startswith(SKIPPED):
                found.append(path)
    return found


def voseo_in(text: str) -> set[str]:
    """The voseo words of ``text`` (compared in lower case, as whole words)."""
    return {word for word in WORD.findall(text) if word.lower() in VOSEO}


@pytest.mark.parametrize("text, expected", [
    ("Hacé tus trámites municipales en línea", {"Hacé", "tus"}),
    ("La fecha no existe: escribila como DD/MM/AAAA.", {"escribila"}),
    ("Si podés, fijate en el mapa.", {"podés", "fijate"}),
    ("Haga sus trámites municipales en línea. Ingrese la fecha.", set()),
    ("def hace(self): return self.tu_value", set()),
])
def test_the_scan_tells_voseo_from_usted(text: str, expected: set[str]) -> None:
    assert voseo_in(text) == expected


def test_no_file_people_read_speaks_with_voseo() -> None:
    found = {}
    for path in _files():
        relative = path.relative_to(ROOT).as_posix()
        words = voseo_in(path.read_text(encoding="utf-8", errors="replace")) - ALLOWED.get(relative, set())
        if words:
            found[relative] = sorted(words)
    assert not found, f"voseo where the platform says «usted»: {found}"
