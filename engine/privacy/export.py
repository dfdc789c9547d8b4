"""Everything the platform holds about one person, as one JSON document (derecho de acceso,
art. 14 Ley 25.326).

A person is known to the tables in two ways: by account id (drafts, uploads, sessions,
e-mail verifications, password resets, the notifications mark) and by username (the cases they
started and what hangs from them, the audit events they caused, the ratings they gave). Each
section below reads one of those; ``docs/datos-personales.md`` documents the structure, whose
version is :data:`FORMAT`. Secrets are never exported (password hash, tokens' hashes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from engine import audit
from engine.casefile.models import CaseRating, Draft, NotificationMark, PendingUpload, TrackingCode
from engine.citizens import cases, notifications
from engine.db import db
from engine.identity.accounts import User
from engine.identity.models import EmailVerification, PasswordReset, WebSession
from engine.models import AuditEvent, Certificate, Document, Instance
from engine.privacy.models import SensitiveRead
from engine.representation.models import PowerOfAttorney

FORMAT = "tramites-smt/mis-datos/1"
#: The audit event of a download (in the ``sistema`` chain: it belongs to no case).
EXPORTED = "personal_data_exported"
#: Builds the address where the person downloads a document of one of their cases.
DocumentLink = Callable[[Instance, Document], str]


def personal_data(user: User, now: datetime, document_link: DocumentLink) -> dict[str, Any]:
    """The person's data, every section present even when empty.

    :param now: when the file is produced (it says so).
    :param document_link: the portal's address of a case document, for ``documentos[].enlace``.
    :return: plain JSON-ready data (datetimes as ISO 8601 in UTC).
    """
    mine = cases.cases_of(user.username)
    ids = [i.id for i in mine]
    return {
        "formato": FORMAT,
        "generado": _iso(now),
        "cuenta": _account(user),
        "tramites": [_case(i, document_link) for i in mine],
        "notificaciones": _notifications(user),
        "borradores": [{"procedimiento": d.process_key, "datos": d.data, "creado": _iso(d.created_at),
                        "actualizado": _iso(d.updated_at)} for d in _rows(Draft, Draft.user_id == user.id)],
        "archivos_sin_presentar": [{"nombre": u.display_name, "tipo": u.content_type, "tamanio": u.size,
                                    "sha256": u.storage_key, "ambito": u.scope, "subido": _iso(u.created_at),
                                    "liberado": _iso(u.released_at)}
                                   for u in _rows(PendingUpload, PendingUpload.user_id == user.id)],
        "calificaciones": [{"expediente": _number(mine, r.instance_id), "puntaje": r.score,
                            "comentario": r.comment, "fecha": _iso(r.rated_at)}
                           for r in _rows(CaseRating, CaseRating.actor == user.username)],
        "sesiones": [{"creada": _iso(s.created_at), "ultimo_uso": _iso(s.last_seen_at), "ip": s.ip,
                      "navegador": s.user_agent} for s in _rows(WebSession, WebSession.user_id == user.id)],
        "verificaciones_de_correo": [{"correo": v.email, "pedida": _iso(v.created_at), "usada": _iso(v.used_at)}
                                     for v in _rows(EmailVerification, EmailVerification.user_id == user.id)],
        "cambios_de_contrasenia": [{"pedido": _iso(p.created_at), "usado": _iso(p.used_at)}
                                   for p in _rows(PasswordReset, PasswordReset.user_id == user.id)],
        "eventos_de_auditoria": _events(user.username, ids),
        "lecturas_de_datos_sensibles": [
            {"expediente": r.case_number, "campo": r.field, "lector": r.reader, "vista": r.view, "fecha": _iso(r.at)}
            for r in _rows(SensitiveRead, SensitiveRead.instance_id.in_(ids))] if ids else [],
        "poderes": [{"apoderado": p.representative, "representado": p.party, "tramites": p.procedure_keys,
                     "desde": p.valid_from.isoformat(), "hasta": p.valid_until.isoformat() if p.valid_until else None,
                     "aceptado": _iso(p.accepted_at), "revocado": _iso(p.revoked_at)}
                    for p in _rows(PowerOfAttorney, or_(PowerOfAttorney.representative == user.username,
                                                        PowerOfAttorney.party == user.username))],
    }


def record_export(user: User) -> None:
    """Leave an audit event of the download (flushed with the request's unit of work)."""
    audit.record(EXPORTED, user.username, data={"formato": FORMAT})


def _account(user: User) -> dict[str, Any]:
    return {"usuario": user.username, "nombre": user.display_name, "correo": user.email,
            "correo_verificado": _iso(user.email_verified_at), "dni": user.dni, "cuil": user.cuil,
            "cuit": user.cuit,
            "roles": sorted(user.role_set), "grupos": user.group_names, "origen": user.source,
            "activa": user.active, "creada": _iso(user.created_at)}


def _case(instance: Instance, document_link: DocumentLink) -> dict[str, Any]:
    code = db.session.get(TrackingCode, instance.id)
    return {
        "expediente": instance.number, "procedimiento": instance.process_key,
        "nombre_procedimiento": instance.deployment.name, "version": instance.version, "estado": instance.status,
        "iniciado": _iso(instance.created_at), "finalizado": _iso(instance.completed_at),
        "codigo_de_seguimiento": code.code if code else None, "datos": instance.data or {},
        "documentos": [{"folio": d.folio, "titulo": d.title, "archivo": d.filename, "tipo": d.content_type,
                        "tamanio": d.size, "sha256": d.sha256, "clase": d.kind, "agregado": _iso(d.created_at),
                        "enlace": document_link(instance, d)} for d in cases.documents(instance)],
        "certificados": [{"codigo": c.code, "titulo": c.title, "emitido": _iso(c.issued_at),
                          "revocado": _iso(c.revoked_at)}
                         for c in _rows(Certificate, Certificate.instance_id == instance.id)],
    }


def _notifications(user: User) -> dict[str, Any]:
    mark = db.session.get(NotificationMark, user.id)
    return {"leidas_hasta": mark.read_up_to if mark else 0,
            "lista": [{"id": n.event_id, "expediente": n.number, "procedimiento": n.procedure, "tipo": n.what.kind,
                       "detalle": n.what.detail, "fecha": _iso(n.what.at), "no_leida": n.unread}
                      for n in notifications.notifications(user, limit=10_000)]}


def _events(username: str, case_ids: list[str]) -> list[dict[str, Any]]:
    about = or_(AuditEvent.actor == username, AuditEvent.instance_id.in_(case_ids)) if case_ids \
        else AuditEvent.actor == username
    rows = db.session.scalars(select(AuditEvent).where(about).order_by(AuditEvent.id))
    return [{"id": e.id, "expediente_id": e.instance_id, "tipo": e.type, "fecha": _iso(e.at),
             "propio": e.actor == username, "elemento": e.element_id} for e in rows]


def _rows(model: Any, *where: Any) -> Iterable[Any]:
    return db.session.scalars(select(model).where(*where))


def _number(mine: list[Instance], instance_id: str) -> str | None:
    return next((i.number for i in mine if i.id == instance_id), None)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
