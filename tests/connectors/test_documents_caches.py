"""What certificates keep between renders: compiled templates, font configurations, the signature's size.

Each cache must give the same document as a render from scratch, and a template whose files
changed (a new deployment) must never be served what its previous version left behind.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pyhanko.sign import signers
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from connectors.documents import create_development_certificate, inspect_pdf, load_signer, sign_pdf, signing_certificate
from connectors.documents.caches import BorrowPool, BoundedCache, files_digest
from connectors.documents.fetcher import MEMORY_BASE, ConfinedURLFetcher, write_pdf
from connectors.documents.render import BASE_TEMPLATE_DIR, cached_environment, render_certificate, render_html

URL = "https://tramites.smt.gob.ar/verificar/K7QF-2M4X-ZP3D-R6WA"
PASSWORD = "clave-de-cache"
SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
LAYOUT = ('{% extends "plataforma/layout.html" %}{% block cuerpo %}<p>{{ datos["texto"] }}</p>'
          "<p>{{ datos['n'] * 2 }}</p>{% endblock %}")


def test_files_digest_follows_content_not_order() -> None:
    one = {"a.css": b"x", "template.html": b"<p>1</p>"}
    assert files_digest(one) == files_digest(dict(reversed(one.items())))
    assert files_digest(one) != files_digest({**one, "template.html": b"<p>2</p>"})
    # a byte moved from one file's end to the next file's name is another folder
    assert files_digest({"a": b"bc", "d": b""}) != files_digest({"a": b"b", "cd": b""})


def test_bounded_cache_makes_once_and_drops_the_least_recently_used() -> None:
    made: list[str] = []
    cache: BoundedCache[str] = BoundedCache(2)

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert cache.get("a", lambda: make("a")) == "A"
    assert cache.get("a", lambda: make("a")) == "A"
    cache.get("b", lambda: make("b"))
    cache.get("a", lambda: make("a"))  # "a" is now the most recent
    cache.get("c", lambda: make("c"))  # so "b" leaves
    cache.get("b", lambda: make("b"))
    assert made == ["a", "b", "c", "b"] and len(cache) == 2


def test_borrow_pool_lends_an_object_to_one_borrower_at_a_time_and_keeps_few() -> None:
    pool: BorrowPool[object] = BorrowPool(object, keys=2, per_key=1)
    inside = threading.Barrier(2)
    lent: list[object] = []

    def borrower() -> None:
        with pool.borrow("plantilla") as value:
            lent.append(value)
            inside.wait(timeout=10)  # both hold one at the same time

    threads = [threading.Thread(target=borrower) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(lent) == 2 and lent[0] is not lent[1]
    assert pool.idle("plantilla") == 1  # one of the two is kept
    with pool.borrow("plantilla") as again:
        assert again in lent
    for key in ("otra", "tercera"):
        with pool.borrow(key):
            pass
    assert pool.idle("plantilla") == 0  # the least recently used key left


def test_a_compiled_template_is_reused_until_its_files_change() -> None:
    first = {"template.html": LAYOUT.encode()}
    assert cached_environment(first) is cached_environment(dict(first))
    changed = {"template.html": LAYOUT.replace("<p>{{", "<p>Nuevo: {{").encode()}
    assert cached_environment(changed) is not cached_environment(first)
    data = {"texto": "Hola", "n": 21}
    before = render_html(first, data, verification_url=URL, name="t")
    after = render_html(changed, data, verification_url=URL, name="t")
    assert "<p>Hola</p>" in before and "<p>42</p>" in before
    assert "Nuevo: Hola" in after and "Nuevo" not in before


def _fresh_pdf(html: str, files: dict[str, bytes]) -> bytes:
    """What WeasyPrint gives with a font configuration of its own, as every render did before."""
    fetcher = ConfinedURLFetcher([BASE_TEMPLATE_DIR], files)
    document = HTML(string=html, base_url="file://" + MEMORY_BASE, url_fetcher=fetcher)
    return bytes(document.write_pdf(font_config=FontConfiguration()))


def test_a_kept_font_configuration_gives_the_same_pdf() -> None:
    files = {"template.html": LAYOUT.encode()}
    html = render_html(files, {"texto": "Constancia de respuesta", "n": 1}, verification_url=URL, name="t")
    first = write_pdf(html, files, [BASE_TEMPLATE_DIR])
    assert write_pdf(html, files, [BASE_TEMPLATE_DIR]) == first == _fresh_pdf(html, files)


@pytest.mark.skipif(not SERIF.is_file(), reason="fonts-dejavu-core is not installed")
def test_one_templates_web_font_never_reaches_another_template() -> None:
    style = "<style>@font-face { font-family: Letra; src: url(letra.ttf); } p { font-family: Letra; }</style>"
    with_font = {"template.html": b"-", "letra.ttf": SERIF.read_bytes()}
    without = {"template.html": b"--"}
    write_pdf(f"<html><head>{style}</head><body><p>Letra propia</p></body></html>", with_font, [BASE_TEMPLATE_DIR])
    # The other template names the same family without declaring it: it gets the default font.
    html = "<html><head><style>p { font-family: Letra; }</style></head><body><p>Letra propia</p></body></html>"
    assert write_pdf(html, without, [BASE_TEMPLATE_DIR]) == _fresh_pdf(html, without)


def test_the_signature_size_is_measured_once_and_matches_pyhankos(tmp_path: Path) -> None:
    p12 = create_development_certificate(tmp_path / "firma.p12", PASSWORD)
    unsigned = render_certificate(BASE_TEMPLATE_DIR, {"titular": "Ana"}, verification_url=URL, title="Prueba")
    signer = load_signer(p12, PASSWORD)
    first = sign_pdf(unsigned, signer, reason="Emisión")
    assert len(signer.reserved_sizes) == 1
    second = sign_pdf(unsigned, signer, reason="Emisión")
    assert len(signer.reserved_sizes) == 1
    # pyHanko's own signer measures every time; the layout of the signed file is the same.
    own = sign_pdf(unsigned, signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSWORD.encode()), reason="Emisión")
    assert len(first) == len(second) == len(own)
    trusted = signing_certificate(p12, PASSWORD)
    for pdf in (first, second):
        found = inspect_pdf(pdf, trusted_cert=trusted)
        assert (found.intact, found.valid, found.trusted, found.state) == (True, True, True, "intact")
