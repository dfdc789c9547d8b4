"""Receiving uploads on both backends: what is accepted, and every refusal leaving nothing stored."""

from __future__ import annotations

import hashlib
import io

import pytest

from storage.uploads import (
    MB,
    CaseFull,
    CaseQuota,
    EmptyFile,
    TooLarge,
    TypeNotAllowed,
    UploadInterrupted,
    receive,
)
from tests.storage import samples
from tests.storage.conftest import Backend
from tests.storage.streams import BLOCK, BrokenUpload, GeneratedStream, generated_sha256, stream_sha256

PDF_HEAD = b"%PDF-1.7\n"
DOCUMENTS = {"application/pdf", "image/jpeg", "image/png"}


def assert_nothing_stored(backend: Backend) -> None:
    assert backend.observer.objects() == set()
    assert backend.observer.leftovers() == []


def test_accepts_a_pdf_and_stores_it_by_hash(backend: Backend) -> None:
    upload = receive(
        backend.store, io.BytesIO(samples.PDF), max_bytes=MB, allowed_types=DOCUMENTS,
        display_name="../../Constancia de CUIT.pdf",
    )

    assert upload.key == upload.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    assert upload.display_name == "Constancia de CUIT.pdf"
    assert (upload.content_type, upload.size) == ("application/pdf", len(samples.PDF))
    with backend.store.get(upload.key) as stream:
        assert stream.read() == samples.PDF
    assert backend.observer.objects() == {upload.key}


def test_accepts_a_large_file_streamed_in_pieces(backend: Backend) -> None:
    size = 12 * BLOCK + 5  # several S3 parts
    upload = receive(
        backend.store, GeneratedStream(size, seed=3, head=PDF_HEAD), max_bytes=20 * MB, allowed_types=DOCUMENTS,
        display_name="plano.pdf",
    )

    assert (upload.key, upload.size) == (generated_sha256(size, seed=3, head=PDF_HEAD), size)
    with backend.store.get(upload.key) as stream:
        assert stream_sha256(stream) == (upload.key, size)


def test_type_is_decided_by_content_and_the_name_follows(backend: Backend) -> None:
    upload = receive(
        backend.store, io.BytesIO(samples.image("PNG")), max_bytes=MB, allowed_types=DOCUMENTS,
        display_name="factura.pdf",
    )
    assert (upload.content_type, upload.display_name) == ("image/png", "factura.png")


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (samples.image("PNG"), "image/png"),
        (samples.EXE, None),
        (samples.HTML, None),
        (samples.SVG, None),
        (samples.plain_zip(), None),
    ],
    ids=["png", "exe", "html", "svg", "zip"],
)
def test_refuses_a_type_not_allowed_whatever_the_name_says(backend: Backend, data: bytes, detected: str | None) -> None:
    with pytest.raises(TypeNotAllowed) as refused:
        receive(backend.store, io.BytesIO(data), max_bytes=MB, allowed_types={"application/pdf"},
                display_name="solicitud.pdf")

    assert refused.value.status == 415
    assert refused.value.public_message == "Este tipo de archivo no está permitido. Formatos aceptados: PDF."
    assert refused.value.details == {"detected": detected}
    assert_nothing_stored(backend)


def test_refuses_an_empty_file(backend: Backend) -> None:
    with pytest.raises(EmptyFile) as refused:
        receive(backend.store, io.BytesIO(b""), max_bytes=MB, allowed_types=DOCUMENTS, display_name="vacío.pdf")

    assert (refused.value.status, refused.value.public_message) == (400, "El archivo está vacío.")
    assert_nothing_stored(backend)


@pytest.mark.parametrize(
    ("size", "max_bytes"),
    [(3 * MB, MB), (50 * MB, 7 * MB), (300, 100)],
    ids=["single-part", "multipart", "inside-the-head"],
)
def test_refuses_an_oversize_file_while_streaming(backend: Backend, size: int, max_bytes: int) -> None:
    stream = GeneratedStream(size, head=PDF_HEAD)

    with pytest.raises(TooLarge) as refused:
        receive(backend.store, stream, max_bytes=max_bytes, allowed_types=DOCUMENTS, display_name="grande.pdf")

    assert refused.value.status == 413
    assert refused.value.public_message.startswith("El archivo supera el tamaño máximo de ")
    assert refused.value.details["limit"] == max_bytes
    assert stream.position <= max_bytes + 2 * MB, "the rest of the stream is not read"
    assert_nothing_stored(backend)


def test_size_limit_is_inclusive(backend: Backend) -> None:
    limit = 2 * MB
    upload = receive(backend.store, GeneratedStream(limit, head=PDF_HEAD), max_bytes=limit, allowed_types=DOCUMENTS)
    assert upload.size == limit
    with pytest.raises(TooLarge, match="too_large") as refused:
        receive(backend.store, GeneratedStream(limit + 1, seed=1, head=PDF_HEAD), max_bytes=limit)
    assert refused.value.public_message == "El archivo supera el tamaño máximo de 2 MB."
    assert backend.observer.objects() == {upload.key}


def test_case_quota_limits_the_total(backend: Backend) -> None:
    quota = CaseQuota(max_bytes=2 * MB, used_bytes=3 * MB // 2)

    with pytest.raises(CaseFull) as refused:
        receive(backend.store, GeneratedStream(MB, head=PDF_HEAD), max_bytes=25 * MB, allowed_types=DOCUMENTS,
                case_quota=quota)

    assert refused.value.status == 413
    assert refused.value.public_message == (
        "El archivo no entra en el espacio disponible del trámite: los documentos pueden sumar "
        "hasta 2 MB y quedan 512 KB libres."
    )
    assert_nothing_stored(backend)
    upload = receive(backend.store, GeneratedStream(400 * 1024, head=PDF_HEAD), max_bytes=25 * MB,
                     allowed_types=DOCUMENTS, case_quota=quota)
    assert upload.size == 400 * 1024


@pytest.mark.parametrize("fail_after", [100, 12 * BLOCK], ids=["while-sniffing", "multipart"])
def test_interrupted_upload_stores_nothing(backend: Backend, fail_after: int) -> None:
    stream = GeneratedStream(20 * BLOCK, fail_after=fail_after, head=PDF_HEAD)

    with pytest.raises(UploadInterrupted) as refused:
        receive(backend.store, stream, max_bytes=25 * MB, allowed_types=DOCUMENTS, display_name="corte.pdf")

    assert refused.value.status == 400
    assert refused.value.public_message == "La subida del archivo se interrumpió. Intente nuevamente."
    assert isinstance(refused.value.__cause__, BrokenUpload)
    assert_nothing_stored(backend)


@pytest.mark.parametrize("name", ["../../../etc/passwd", "..\\..\\boot.ini", "/var/lib/x.pdf", "objects/../../x"])
def test_traversal_names_are_only_labels(backend: Backend, name: str) -> None:
    upload = receive(backend.store, io.BytesIO(samples.PDF + name.encode()), max_bytes=MB,
                     allowed_types=DOCUMENTS, display_name=name)

    assert "/" not in upload.display_name and "\\" not in upload.display_name
    assert not upload.display_name.startswith(".")
    assert backend.observer.objects() == {upload.key}  # stored under its hash, nowhere else
