"""Public verification of issued certificates: by the code on the paper, or by the PDF itself.

``GET /verificar/<code>`` answers what the QR code of a certificate leads to; ``POST
/verificar`` (multipart field ``file``) tells whether a PDF is byte for byte one the city
issued and whether its signature is intact. Both answer HTML, or JSON for
``Accept: application/json``. Nothing here needs an account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.casefile import expediente
from engine.dates import moment_text
from engine.identity.access import csrf_exempt, public
from engine.models import Certificate
from engine.signatures import porta_firma
from engine.web.request import runtime
from portal import security

bp = Blueprint("verification", __name__, url_prefix="/verificar")
security.install_errors(bp)
MAX_PDF_BYTES = 20 * 1024 * 1024

VERDICTS = {
    "auténtico": "El documento es auténtico: la Municipalidad lo emitió tal como está.",
    "revocado": "La Municipalidad emitió este documento, pero fue revocado.",
    "modificado": "El documento fue modificado después de firmado: no es válido.",
    "no emitido": "Este documento no fue emitido por la Municipalidad.",
    "sin firmas": "El documento todavía no tiene las firmas de todos los funcionarios: aún no es válido.",
    "firma rechazada": "Un funcionario rechazó firmar este documento: no es válido.",
}


def _signed_by_all(verdict: str, certificate: Certificate | None) -> str:
    """An issued document officials must sign is valid only once the last of them signed."""
    if verdict != "auténtico" or certificate is None:
        return verdict
    found = porta_firma.request_for(certificate.code)
    if found is None or found.status == "firmado":
        return verdict
    return "firma rechazada" if found.status == "rechazado" else "sin firmas"


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _describe(certificate: Certificate | None) -> dict[str, Any] | None:
    if certificate is None:
        return None
    zone = ZoneInfo(current_app.config["TRAMITES"]["TIMEZONE"])
    return {
        "code": certificate.code, "title": certificate.title, "case_number": certificate.case_number,
        "issued_at": certificate.issued_at.astimezone(zone).isoformat(),
        "revoked": certificate.revoked_at is not None,
        "revoked_at": certificate.revoked_at.astimezone(zone).isoformat() if certificate.revoked_at else None,
        "revoked_reason": certificate.revoked_reason,
        "summary": certificate.summary or [],
        "signatures": _officials_of(certificate.code),
    }


SIGNATURE_STATES = {
    "firmado": "firmó", "rechazado": "rechazó firmar", "esperando": "pendiente de firma",
}


def _officials_of(code: str) -> dict[str, Any] | None:
    """Who had to sign the document, in order: who signed, as what, when (``None`` for a sealed certificate)."""
    found = porta_firma.request_for(code)
    if found is None:
        return None
    zone = current_app.config["TRAMITES"]["TIMEZONE"]
    return {"status": found.status, "signers": [
        {"name": step.signer_name, "role": step.role, "state": step.status,
         "state_label": _(SIGNATURE_STATES.get(step.status, step.status)),
         "signed_at": step.signed_at.isoformat() if step.signed_at else None,
         "when": moment_text(step.signed_at, zone) if step.signed_at else None} for step in found.steps]}


def _signers_in_file(inspection: dict[str, Any]) -> list[dict[str, Any]]:
    """Every signature of an uploaded countersigned PDF, each saying whether the file changed after it."""
    zone = current_app.config["TRAMITES"]["TIMEZONE"]
    listed = []
    for entry in inspection.get("signers") or []:
        when = entry.get("signed_at")
        listed.append({**entry, "recognised": porta_firma.recognised(entry["certificate_sha256"]),
                       "when": moment_text(datetime.fromisoformat(when), zone) if when else None})
    return listed


def _dates_for_people(certificate: Certificate | None) -> dict[str, str]:
    """The issue and revocation dates as the page writes them (``dd/mm/aaaa``, the city's zone)."""
    if certificate is None:
        return {}
    zone = current_app.config["TRAMITES"]["TIMEZONE"]
    return {"issued": moment_text(certificate.issued_at, zone, with_time=False),
            "revoked": moment_text(certificate.revoked_at, zone, with_time=False)}


def _answer(status: int, verdict: str, certificate: Certificate | None, **extra: Any) -> ResponseReturnValue:
    body = {"verdict": verdict, "message": _(VERDICTS[verdict]), "certificate": _describe(certificate), **extra}
    if _wants_json():
        return jsonify(body), status
    return render_template("verification/result.html", dates=_dates_for_people(certificate), **body), status


@bp.get("/")
@public
def start() -> ResponseReturnValue:
    """The page to type a code or upload a PDF (a typed code goes to its result)."""
    typed = request.args.get("codigo", "").strip()
    if typed:
        return redirect(url_for(".by_code", code=typed))
    return render_template("verification/start.html")


@bp.get("/<code>")
@public
def by_code(code: str) -> ResponseReturnValue:
    """What the QR code of a certificate leads to."""
    found = expediente.find_certificate(code)
    if found is None:
        return _answer(404, "no emitido", None)
    return _answer(200, _signed_by_all("revocado" if found.revoked_at else "auténtico", found), found)


@bp.post("/")
@public
@csrf_exempt  # judging an upload changes nothing; machines post here without a session
def by_file() -> ResponseReturnValue:
    """Judge an uploaded PDF: issued by the city, modified, or unknown."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refuse(_("Adjunte el PDF a verificar en el campo «file»."))
    content = upload.stream.read(MAX_PDF_BYTES + 1)
    if not content:
        return _refuse(_("El archivo está vacío."))
    if len(content) > MAX_PDF_BYTES:
        return _refuse(_("El archivo es demasiado grande para un certificado (máximo 20 MB)."), 413)
    rt = runtime()
    if rt.documents.inspect_pdf is None:
        return _refuse(_("La verificación de archivos no está disponible en este momento."), 503)
    inspection = rt.documents.inspect_pdf(content)
    verdict, found = expediente.verdict(inspection["sha256"], inspection["state"])
    verdict = _signed_by_all(verdict, found)
    return _answer(200, verdict, found, signature=inspection.get("label"), signers=_signers_in_file(inspection))


def _refuse(message: str, status: int = 400) -> ResponseReturnValue:
    if _wants_json():
        return jsonify({"error": message}), status
    return render_template("verification/start.html", error=message), status
