"""Certificate rendering: the base template, QR codes, codes, and the sandbox around templates.

PDF text comes from poppler's ``pdftotext`` and images from ``pdfimages``, so what is
checked is what a reader of the PDF gets.
"""

from __future__ import annotations

import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import qrcode
import qrcode.constants
from PIL import Image

from connectors.documents import (
    BASE_TEMPLATE_DIR,
    RenderError,
    TemplateNotFoundError,
    format_issue_date,
    normalize_verification_code,
    qr_data_uri,
    qr_matrix,
    render_certificate,
    verification_code,
    verification_link,
)
from connectors.documents.fetcher import ConfinedURLFetcher, RefusedResource
from tests.fixtures.require import require_binary

CODE = "K7QF-2M4X-ZP3D-R6WA"
URL = f"https://tramites.smt.gob.ar/verificar/{CODE}"
ISSUED = datetime(2026, 3, 3, 17, 5, tzinfo=UTC)  # 14:05 in Tucumán (UTC-3)
DATA = {
    "cuerpo": "Se certifica que el inmueble no registra deudas por tasas municipales <b>al día de la fecha</b>.",
    "titular": "María José Núñez",
    "padron": 123456,
    "al_dia": True,
    "observaciones": None,
    "rubros": ["Almacén", "Panadería"],
}
PNG_3X2 = Image.new("RGB", (3, 2), (200, 0, 0))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext extracts it, whitespace collapsed."""
    exe = require_binary("pdftotext", "poppler-utils")
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf)
    out = subprocess.run([exe, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True, timeout=30)
    return " ".join(out.stdout.decode("utf-8").split())


def pdf_images(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    """Every image object of the PDF, extracted by pdfimages in its stored pixels."""
    exe = require_binary("pdfimages", "poppler-utils")
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "in.pdf").write_bytes(pdf)
    subprocess.run([exe, "-png", str(folder / "in.pdf"), str(folder / "img")], check=True, timeout=30)
    images = []
    for path in sorted(folder.glob("img-*.png")):
        with Image.open(path) as image:
            images.append(image.copy())
    return images


@pytest.fixture(scope="module")
def certificate() -> bytes:
    return render_certificate(BASE_TEMPLATE_DIR, DATA, verification_url=URL, case_number="EXP-2026-000123",
                              issued_at=ISSUED, title="Certificado de libre deuda", verification_code=CODE)


def test_base_certificate_text(certificate: bytes, tmp_path: Path) -> None:
    assert certificate.startswith(b"%PDF-")
    text = pdf_text(certificate, tmp_path)
    for expected in (
        "Municipalidad de San Miguel de Tucumán",
        "Certificado de libre deuda",
        "Expediente N.º EXP-2026-000123",
        "Emitido en San Miguel de Tucumán, el 3 de marzo de 2026, 14:05 h.",
        "María José Núñez",
        "Padron 123456",
        "Al dia Sí",
        "Almacén, Panadería",
        f"Código de verificación: {CODE}",
        URL,
        "Página 1 de 1",
    ):
        assert expected in text, expected


def test_data_is_escaped_not_interpreted(certificate: bytes, tmp_path: Path) -> None:
    # Case data is text: markup typed by a citizen shows up literally.
    assert "<b>al día de la fecha</b>" in pdf_text(certificate, tmp_path)


def test_the_qr_image_in_the_pdf_encodes_the_verification_url(certificate: bytes, tmp_path: Path) -> None:
    images = pdf_images(certificate, tmp_path)
    assert len(images) == 1
    # Built here with qrcode directly, not with the code under test.
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    reference.add_data(URL)
    reference.make(fit=True)
    expected = reference.get_matrix()
    image = images[0].convert("L")
    assert image.size == (len(expected), len(expected))
    found = [[image.getpixel((x, y)) < 128 for x in range(image.width)] for y in range(image.height)]
    assert found == expected


def test_qr_payload_functions() -> None:
    assert verification_link("https://tramites.smt.gob.ar/", "k7qf 2m4x zp3d r6wa") == URL
    assert verification_link("http://127.0.0.1:5000", CODE) == f"http://127.0.0.1:5000/verificar/{CODE}"
    assert qr_data_uri(URL).startswith("data:image/png;base64,")
    matrix = qr_matrix(URL)
    assert len(matrix) == len(matrix[0]) >= 21 and (len(matrix) - 17) % 4 == 0  # a QR version's size
    assert qr_matrix(URL + "x") != matrix


@pytest.mark.parametrize(("public_url", "code"), [
    ("ftp://tramites.smt.gob.ar", CODE),
    ("tramites.smt.gob.ar", CODE),
    ("https://tramites.smt.gob.ar", "../admin"),
    ("https://tramites.smt.gob.ar", "K7QF-2M4X"),
])
def test_verification_link_refuses_bad_input(public_url: str, code: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        verification_link(public_url, code)


def test_verification_codes_are_opaque_url_safe_and_unique() -> None:
    codes = {verification_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code)
        assert len(code.replace("-", "")) >= 10
        assert quote(code, safe="") == code
        assert normalize_verification_code(code.lower().replace("-", " ")) == code
    assert normalize_verification_code("K7QF-2M4X-ZP3D-R6W1") is None  # 1 is not base32
    assert normalize_verification_code("") is None


def test_issue_date_in_the_city_time_zone() -> None:
    assert format_issue_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "31 de diciembre de 2026, 20:30 h"
    with pytest.raises(ValueError, match="time zone"):
        format_issue_date(datetime(2026, 1, 1, 12, 0))  # naive on purpose


class _Listener:
    """A loopback TCP server that only counts connections: proof nothing was fetched."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    server = _Listener()
    yield server
    server.close()


def _hostile_template(folder: Path, port: int) -> Path:
    """A template that asks for files outside its folder and for network resources."""
    folder.mkdir()
    PNG_3X2.save(folder.parent / "outside.png")
    Image.new("RGB", (5, 4), (0, 0, 200)).save(folder / "sello.png")
    (folder / "estilo.css").write_text(
        f'@import url("http://127.0.0.1:{port}/import.css");\n'
        '@import url("file:///etc/passwd");\n'
        '.marca::after { content: "ESTILO LOCAL APLICADO"; }\n', encoding="utf-8")
    (folder / "template.html").write_text(
        '{% extends "plataforma/layout.html" %}\n'
        '{% block estilos %}<link rel="stylesheet" href="estilo.css">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/remoto.css">{{% endblock %}}\n'
        '{% block cuerpo %}<p class="marca">Hola {{ datos.nombre }}.</p>\n'
        '<img src="sello.png" alt="sello"><img src="file:///etc/passwd" alt="x">\n'
        f'<img src="http://127.0.0.1:{port}/logo.png" alt="y"><img src="http://example.com/logo.png" alt="z">\n'
        '<img src="../outside.png" alt="fuera"><img src="ftp://example.com/a.png" alt="w">{% endblock %}\n',
        encoding="utf-8")
    return folder


def test_render_refuses_foreign_resources_without_crashing(tmp_path: Path, listener: _Listener) -> None:
    folder = _hostile_template(tmp_path / "hostil", listener.port)
    pdf = render_certificate(folder, {"nombre": "Ñandú"}, verification_url=URL, verification_code=CODE)
    text = pdf_text(pdf, tmp_path)
    assert "Hola Ñandú." in text and "ESTILO LOCAL APLICADO" in text  # own assets are served
    assert "root:" not in text
    sizes = sorted(image.size for image in pdf_images(pdf, tmp_path))
    assert (5, 4) in sizes  # the template's own image
    assert PNG_3X2.size not in sizes  # the file beside the folder was refused
    assert len(sizes) == 2  # sello + QR, nothing else
    assert listener.connections == 0


def test_fetcher_unit(tmp_path: Path, listener: _Listener) -> None:
    (tmp_path / "ok.css").write_text("p {}", encoding="utf-8")
    (tmp_path / "enlace.css").symlink_to("/etc/passwd")
    fetcher = ConfinedURLFetcher([tmp_path])
    response = fetcher.fetch((tmp_path / "ok.css").as_uri())
    assert response.read() == b"p {}" and response.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aG9sYQ==").read() == b"hola"
    for refused in ("file:///etc/passwd", (tmp_path / "enlace.css").as_uri(), (tmp_path / ".." / "x").as_uri(),
                    f"http://127.0.0.1:{listener.port}/x.png", "https://example.com/", "ftp://example.com/a",
                    f"file://127.0.0.1{tmp_path / 'ok.css'}", "javascript:alert(1)"):
        with pytest.raises(RefusedResource):
            fetcher.fetch(refused)
    assert listener.connections == 0


def _template(folder: Path, html: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "template.html").write_text(html, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("html", "message"), [
    ('{% include "../secreto.html" %}', "usa un archivo que no existe"),
    ('{% include "enlace.html" %}', "usa un archivo que no existe"),
    ("{{ datos.__class__.__mro__ }}", "no se pudo completar"),
    ("{{ ''.__class__.__subclasses__() }}", "no se pudo completar"),
    ("{{ datos.falta }}", "Faltan datos"),
    ("{% for x in %}", "tiene un error en la línea 1"),
])
def test_templates_are_sandboxed(tmp_path: Path, html: str, message: str) -> None:
    (tmp_path / "secreto.html").write_text("SECRETO", encoding="utf-8")
    folder = _template(tmp_path / "plantilla", html)
    (folder / "enlace.html").symlink_to(tmp_path / "secreto.html")
    with pytest.raises(RenderError, match=message) as caught:
        render_certificate(folder, {"nombre": "x"}, verification_url=URL)
    assert caught.value.status == 422
    assert "SECRETO" not in caught.value.message


def test_data_cannot_be_mutated_by_a_template(tmp_path: Path) -> None:
    folder = _template(tmp_path / "plantilla", "{{ datos.update({'a': 2}) }}")
    data = {"a": 1}
    with pytest.raises(RenderError):
        render_certificate(folder, data, verification_url=URL)
    assert data == {"a": 1}


def test_a_process_template_extends_the_platform_layout(tmp_path: Path) -> None:
    folder = _template(tmp_path / "habilitacion", (
        '{% extends "plataforma/layout.html" %}'
        '{% block encabezado_extra %}<p>Dirección de Comercio</p>{% endblock %}'
        '{% block cuerpo %}<p>Se habilita el local de {{ datos.rubro }}.</p>'
        '{% include "pie.html" %}{% endblock %}'))
    (folder / "pie.html").write_text("<p>Válida por {{ datos.anios }} años.</p>", encoding="utf-8")
    pdf = render_certificate(folder, {"rubro": "panadería", "anios": 2}, verification_url=URL,
                             title="Habilitación comercial", case_number="HC-77", verification_code=CODE)
    text = pdf_text(pdf, tmp_path)
    for expected in ("Municipalidad de San Miguel de Tucumán", "Dirección de Comercio", "Habilitación comercial",
                     "Expediente N.º HC-77", "Se habilita el local de panadería.", "Válida por 2 años.", CODE):
        assert expected in text, expected


def test_a_missing_template_folder(tmp_path: Path) -> None:
    with pytest.raises(TemplateNotFoundError) as caught:
        render_certificate(tmp_path / "no-existe", {}, verification_url=URL)
    assert caught.value.status == 404


def test_fetcher_serves_a_templates_files_from_memory_only(tmp_path: Path) -> None:
    """A deployed template's assets come from its mapping; the virtual folder is never a disk path."""
    from connectors.documents.fetcher import MEMORY_BASE

    files = {"estilo.css": b"p {}", "img/sello.png": b"\x89PNG"}
    fetcher = ConfinedURLFetcher([], files)
    assert fetcher.fetch(f"file://{MEMORY_BASE}estilo.css").read() == b"p {}"
    assert fetcher.fetch(f"file://{MEMORY_BASE}img/sello.png").content_type == "image/png"
    for refused in (f"file://{MEMORY_BASE}otro.css", f"file://{MEMORY_BASE}../etc/passwd",
                    f"file://{MEMORY_BASE}img/../../etc/passwd", "file:///etc/passwd", (tmp_path / "x").as_uri()):
        with pytest.raises(RefusedResource):
            fetcher.fetch(refused)


def test_a_template_renders_from_its_files_in_memory(tmp_path: Path) -> None:
    files = {"template.html": (b'{% extends "plataforma/layout.html" %}{% block estilos %}'
                               b'<link rel="stylesheet" href="e.css">{% endblock %}'
                               b'{% block cuerpo %}<p class="m">En memoria: {{ datos.nombre }}</p>'
                               b'{% include "pie.html" %}{% endblock %}'),
             "pie.html": b"<p>Pie propio.</p>", "e.css": b'.m::after { content: " CSS EN MEMORIA"; }'}
    pdf = render_certificate(files, {"nombre": "Ñandú"}, verification_url=URL, name="permiso")
    text = pdf_text(pdf, tmp_path)
    assert "En memoria: Ñandú CSS EN MEMORIA" in text and "Pie propio." in text
    with pytest.raises(RenderError, match="«permiso» usa un archivo que no existe"):
        render_certificate({"template.html": b'{% include "../pie.html" %}'}, {}, verification_url=URL,
                           name="permiso")
