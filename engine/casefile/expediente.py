"""The expediente: the documents of a case in order (foliation) and the certificates it issued.

Documents are numbered 1, 2, 3… per case in the order they join the file, under a lock on
the case's row, so two uploads at once never share a folio. A certificate issued by a
service task (``documentos/emitir_certificado`` or any operation whose result has the same
shape) is registered for public verification and joins the file as a signed document.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from engine import audit
from engine.db import db
from engine.errors import Conflict, DataInvalid, NotFound
from engine.models import Certificate, Document, Instance
from engine.ports import DocumentStore
from forms.catalogue import catalogue
from forms.formats import is_file_ref

KINDS = ("uploaded", "attached", "generated", "signed")
#: The keys of a service result that describes an issued certificate.
CERTIFICATE_KEYS = frozenset({"clave", "sha256", "codigo", "titulo", "fecha_emision", "bytes"})


@dataclass(frozen=True)
class NewDocument:
    """What a document is, before it joins a case (the bytes are already stored)."""

    kind: str
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


#: The keys of a stored file's reference in form data (what an upload hands the form).
FILE_REFERENCE_KEYS = frozenset({"key", "name", "content_type", "size", "sha256"})


def file_refs(data: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every file reference in submitted data or a message's payload, with its JSON pointer."""
    if isinstance(data, dict):
        if set(data) == FILE_REFERENCE_KEYS:
            yield pointer, data
            return
        for name, value in data.items():
            yield from file_refs(value, f"{pointer}/{name}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from file_refs(value, f"{pointer}/{i}")


def file_title(pointer: str, name: str, titles: Mapping[str, str] | None = None) -> str:
    """A handed-in file's title in the case file: «Foto del árbol: arbol.jpg», the field's title in
    the form (``titles``, by dotted path), else its name, lacking accents; a file of a list is
    named by itself."""
    segments = pointer.split("/")[1:]
    if not segments or segments[-1].isdigit():
        return name
    path = ".".join(s for s in segments if not s.isdigit())
    field = (titles or {}).get(path) or segments[-1].replace("_", " ").strip().capitalize()
    return f"{field}: {name}" if field else name


def stored_files(data: Any, store: DocumentStore, *, kind: str, skip: Collection[str] = (),
                 schema: Mapping[str, Any] | None = None, max_case_bytes: int | None = None,
                 used_bytes: int = 0) -> list[NewDocument]:
    """The documents that the file references in ``data`` name, checked against the store.

    For data that arrives without a form's upload (the REST API): each reference must name an
    object the store holds, with its size and with the SHA-256 that is its key; a reference
    whose key is in ``skip`` (a document the case has already) adds nothing. Like a form's
    uploads, two fields holding the same file are two documents, each titled by its field.

    :param kind: ``uploaded`` (titled by field, as a start form's files) or ``attached`` (titled
        by name, as a task form's).
    :param schema: the form the data fills, whose field titles name ``uploaded`` files.
    :param max_case_bytes: what the case's documents may add up to (``MAX_CASE_MB``), of which
        ``used_bytes`` are taken: a file beyond it is refused, as a person's upload would be.
    :raises DataInvalid: with the pointer of every reference the store does not hold as written,
        and of every file that does not fit in the case.
    """
    found: list[NewDocument] = []
    errors = []
    taken = used_bytes
    titles = {path: info.title for path, info in catalogue(schema).items()} if schema else None
    for pointer, ref in file_refs(data):
        key = ref.get("key")
        if not is_file_ref(ref) or key != ref["sha256"] or not store.exists(key) or store.stat(key).size != ref["size"]:
            errors.append({"pointer": pointer, "message": "El archivo no está guardado en la plataforma tal como "
                                                          "lo describe la referencia; súbalo de nuevo."})
        elif key not in skip and max_case_bytes is not None and taken + ref["size"] > max_case_bytes:
            errors.append({"pointer": pointer, "message": "El archivo no entra en el expediente: sus documentos "
                                                          f"pueden sumar hasta {_megabytes(max_case_bytes)}."})
        elif key not in skip:
            taken += ref["size"]
            title = file_title(pointer, ref["name"], titles) if kind == "uploaded" else ref["name"]
            found.append(NewDocument(kind=kind, title=title, filename=ref["name"], content_type=ref["content_type"],
                                     size=ref["size"], sha256=ref["sha256"], storage_key=key))
    if errors:
        raise DataInvalid("Hay archivos que no están guardados en la plataforma.", errors=errors)
    return found


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def carry_documents(sender: Instance, target_id: str, payload: Any, actor: str) -> list[Document]:
    """File in ``target_id``'s expediente the sender's documents a message payload refers to.

    Only documents of the sending case travel (a payload cannot pull arbitrary stored files
    into a case); each joins as ``attached``, its title naming the case it came from.
    """
    keys = {ref["key"] for _pointer, ref in file_refs(payload) if isinstance(ref.get("key"), str)}
    if not keys or target_id == sender.id:
        return []
    carried = db.session.scalars(select(Document).where(Document.instance_id == sender.id,
                                                        Document.storage_key.in_(keys)).order_by(Document.folio))
    return [add_document(target_id, NewDocument(kind="attached", title=f"{doc.title} (expediente {sender.number})",
                                                filename=doc.filename, content_type=doc.content_type, size=doc.size,
                                                sha256=doc.sha256, storage_key=doc.storage_key), actor)
            for doc in list(carried)]


def add_document(instance_id: str, new: NewDocument, author: str, task_id: str | None = None) -> Document:
    """Append a document to the case with the next folio (flushes, never commits).

    :raises NotFound: for an unknown case.
    :raises ValueError: for a kind the platform does not know.
    """
    if new.kind not in KINDS:
        raise ValueError(f"unknown document kind {new.kind!r}")
    _lock(instance_id)
    last = db.session.scalar(select(func.max(Document.folio)).where(Document.instance_id == instance_id)) or 0
    document = Document(instance_id=instance_id, folio=last + 1, kind=new.kind, title=new.title,
                        filename=new.filename, content_type=new.content_type, size=new.size, sha256=new.sha256,
                        storage_key=new.storage_key, author=author, task_id=task_id)
    db.session.add(document)
    db.session.flush()
    audit.record("document_added", author, instance_id=instance_id, task_id=task_id,
                 data={"folio": document.folio, "kind": new.kind, "title": new.title, "sha256": new.sha256,
                       "size": new.size})
    return document


def _lock(instance_id: str) -> None:
    # A no-op write takes the case's row lock on PostgreSQL and the write lock on SQLite
    # before the highest folio is read, so concurrent additions queue instead of colliding.
    locked = db.session.execute(update(Instance).where(Instance.id == instance_id).values(id=Instance.id))
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("El expediente no existe.")


def documents(instance_id: str) -> list[Document]:
    """The case's documents in folio order."""
    return list(db.session.scalars(select(Document).where(Document.instance_id == instance_id)
                                   .order_by(Document.folio)))


def document(instance_id: str, document_id: str) -> Document:
    """One document of one case; another case's document is not found, never shown.

    :raises NotFound: when it does not exist or belongs to another case.
    """
    found = db.session.get(Document, document_id)
    if found is None or found.instance_id != instance_id:
        raise NotFound("El documento no existe.")
    return found


def is_certificate(result: Any) -> bool:
    """Tell whether a service result describes an issued certificate."""
    return isinstance(result, dict) and CERTIFICATE_KEYS <= result.keys()


def register_certificate(instance_id: str | None, result: dict[str, Any], actor: str,
                         case_number: str | None = None, kind: str = "signed") -> Certificate:
    """Record an issued certificate for verification and, for a case, add it to its file.

    :param result: what the issuing operation returned (see :data:`CERTIFICATE_KEYS`).
    :param kind: the document's kind in the file (``generated`` for one officials still sign).
    :raises Conflict: when the code was registered already.
    """
    if db.session.get(Certificate, result["codigo"]) is not None:
        raise Conflict("Ese código de verificación ya está registrado.")
    document_id = None
    if instance_id is not None:
        new = NewDocument(kind=kind, title=result["titulo"], filename=_pdf_name(result["titulo"]),
                          content_type="application/pdf", size=int(result["bytes"]), sha256=result["sha256"],
                          storage_key=result["clave"])
        document_id = add_document(instance_id, new, actor).id
    certificate = Certificate(code=result["codigo"], instance_id=instance_id, document_id=document_id,
                              title=result["titulo"], case_number=case_number or result.get("numero_expediente"),
                              sha256=result["sha256"], storage_key=result["clave"], size=int(result["bytes"]),
                              issued_at=datetime.fromisoformat(result["fecha_emision"]), issued_by=actor,
                              summary=list(result.get("resumen") or []))
    db.session.add(certificate)
    db.session.flush()
    audit.record("certificate_issued", actor, instance_id=instance_id,
                 data={"code": certificate.code, "title": certificate.title, "sha256": certificate.sha256})
    return certificate


def _pdf_name(title: str) -> str:
    safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in title).strip() or "certificado"
    return f"{safe[:80]}.pdf"


def certificate(code: str) -> Certificate | None:
    """The certificate with this (canonical) verification code, if the city issued it."""
    return db.session.get(Certificate, code)


def certificate_with_hash(sha256: str) -> Certificate | None:
    """The certificate whose signed PDF has exactly these bytes, if any."""
    return db.session.scalar(select(Certificate).where(Certificate.sha256 == sha256).limit(1))


def revoke(code: str, reason: str, actor: str, now: datetime) -> Certificate:
    """Mark a certificate revoked; verification then says so.

    :raises NotFound: for an unknown code.
    :raises Conflict: when it was revoked already.
    """
    found = certificate(code)
    if found is None:
        raise NotFound("No hay un certificado con ese código.")
    if found.revoked_at is not None:
        raise Conflict("El certificado ya estaba revocado.")
    found.revoked_at, found.revoked_reason = now, reason
    audit.record("certificate_revoked", actor, instance_id=found.instance_id, data={"code": code, "reason": reason})
    db.session.flush()
    return found


def find_certificate(text: str) -> Certificate | None:
    """The certificate for a code as a person typed it (case, spaces and dashes do not matter)."""
    compact = "".join(c for c in (text or "").upper() if c.isalnum())
    if len(compact) != 16:
        return None
    return certificate("-".join(compact[i:i + 4] for i in range(0, 16, 4)))


def verdict(sha256: str, signature_state: str) -> tuple[str, Certificate | None]:
    """Judge a presented PDF: ``auténtico``, ``revocado``, ``modificado`` or ``no emitido``.

    :param sha256: the hash of the bytes presented.
    :param signature_state: what the signature inspection found (``intact``, ``untrusted``,
        ``modified``, ``unsigned``, ``unreadable``).
    :return: the verdict and the certificate it refers to (when the bytes are one issued).
    """
    issued = certificate_with_hash(sha256)
    if issued is not None:
        # Exactly the bytes the city issued: the strongest proof there is.
        return ("revocado" if issued.revoked_at is not None else "auténtico"), issued
    if signature_state == "modified":
        return "modificado", None
    return "no emitido", None
