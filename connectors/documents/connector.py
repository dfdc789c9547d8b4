"""The ``documentos`` connector: BPMN service tasks issue signed certificates through it.

``documentos/emitir_certificado`` renders a template with the case data, signs the PDF
with the municipality's certificate and stores it. It returns everything the engine
needs to register the certificate for public verification (code, hash, storage key,
title, issue time); registering is the engine's job, after the step commits.

Settings (without the ``TRAMITES_`` prefix): ``SIGNING_CERT`` (path of the PKCS#12 file),
``SIGNING_PASSWORD`` (secret), ``PUBLIC_URL`` (base of the verification link; the
instance's ``public_url`` is the fallback) and ``TIMEZONE`` (the city's zone for the printed
date). From ``context.instance`` it reads ``case_number``.

The template is a folder of the calling instance's deployed version (``context.files``):
templates deploy with their bundle, are immutable like it, and nothing is read from the
server's disk (``TRAMITES_TEMPLATES_ROOT`` is gone and ignored if set). ``plataforma`` is
the platform's default certificate.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import JSON, Connector, ConnectorContext, PermanentError, operation
from connectors.documents.codes import verification_code, verification_link
from connectors.documents.errors import DocumentStorageError, SigningConfigError
from connectors.documents.folders import NAME_PATTERN, Files, folder_of, read_folder
from connectors.documents.render import CITY_TIMEZONE, render_certificate
from connectors.documents.summary import summarize

if TYPE_CHECKING:
    from connectors.documents.signing import MunicipalSigner

PARAMS_SCHEMA: JSON = {
    "type": "object",
    "required": ["plantilla", "datos", "titulo"],
    "additionalProperties": False,
    "properties": {
        "plantilla": {"type": "string", "pattern": NAME_PATTERN, "maxLength": 200,
                      "description": "carpeta del paquete del trámite (con template.html), o «plataforma»"},
        "datos": {"type": "object", "description": "datos del caso que la plantilla muestra"},
        "titulo": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}

RESULT_SCHEMA: JSON = {
    "type": "object",
    "required": ["clave", "sha256", "codigo", "url_verificacion", "titulo", "fecha_emision", "bytes"],
    "properties": {
        "clave": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "codigo": {"type": "string", "minLength": 10},
        "url_verificacion": {"type": "string"},
        "titulo": {"type": "string"},
        "fecha_emision": {"type": "string", "description": "ISO 8601, UTC"},
        "bytes": {"type": "integer", "minimum": 1},
        "plantilla": {"type": "string"},
        "numero_expediente": {"type": ["string", "null"]},
        "resumen": {"type": "array", "maxItems": 12, "description": "lo que certifica, para la verificación pública",
                    "items": {"type": "object", "required": ["etiqueta", "valor"],
                              "properties": {"etiqueta": {"type": "string"}, "valor": {"type": "string"}}}},
    },
}


SIGNERS_SCHEMA: JSON = {
    "type": "array", "minItems": 1, "maxItems": 6,
    "description": "los funcionarios que firman, en orden (firma conjunta): el grupo y el cargo con que firman",
    "items": {"type": "object", "required": ["grupo"], "additionalProperties": False,
              "properties": {"grupo": {"type": "string", "pattern": "^[a-z0-9_]{1,100}$"},
                             "rol": {"type": "string", "minLength": 1, "maxLength": 200}}},
}

FOR_SIGNATURE_PARAMS: JSON = {
    **PARAMS_SCHEMA,
    "required": ["plantilla", "datos", "titulo", "firmantes"],
    "properties": {
        **PARAMS_SCHEMA["properties"],
        "firmantes": SIGNERS_SCHEMA,
        "mensaje": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,200}$",
                    "description": "el mensaje que el caso recibe cuando firmó el último (o uno rechazó)"},
    },
}

FOR_SIGNATURE_RESULT: JSON = {
    **RESULT_SCHEMA,
    "required": [*RESULT_SCHEMA["required"], "firmantes"],
    "properties": {**RESULT_SCHEMA["properties"], "firmantes": SIGNERS_SCHEMA, "mensaje": {"type": "string"}},
}


class DocumentsConnector(Connector):
    """Issues signed certificates (``documentos/emitir_certificado``), and documents for officials
    to sign (``documentos/emitir_para_firma``)."""

    name = "documentos"
    settings = ("SIGNING_CERT", "SIGNING_PASSWORD", "PUBLIC_URL", "TIMEZONE")
    secrets = ("SIGNING_PASSWORD",)

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        self._signer: tuple[tuple[Any, ...], MunicipalSigner] | None = None

    def _signer_for(self, path: str, password: str | None) -> MunicipalSigner:
        """Open the PKCS#12 file once; open it again when the file or password changes."""
        try:
            info = os.stat(path)
        except OSError as e:
            raise SigningConfigError("No se pudo leer el certificado de firma configurado.", detail=path) from e
        fingerprint = (path, info.st_mtime_ns, info.st_size,
                       hashlib.sha256((password or "").encode("utf-8")).hexdigest())
        cached = self._signer
        if cached is None or cached[0] != fingerprint:
            from connectors.documents.signing import load_signer  # pyHanko: on the first certificate

            cached = (fingerprint, load_signer(path, password))
            self._signer = cached
        return cached[1]

    def _settings(self, context: ConnectorContext) -> Mapping[str, Any]:
        # The context's configuration wins over the constructor's (both come from create_app).
        return {**self.config, **dict(context.config or {})}

    @operation(params=PARAMS_SCHEMA, result=RESULT_SCHEMA, timeout=60.0)
    def emitir_certificado(self, params: JSON, context: ConnectorContext) -> JSON:
        """Render, sign (PAdES) and store a certificate; return what registers it.

        Retrying is harmless: a failed call registers nothing (at worst it leaves an
        unreferenced object in storage), and each success carries its own code.
        """
        folder = folder_of(context.files, params["plantilla"])
        result = self.issue(folder, params["datos"], params["titulo"], context,
                            case_number=context.instance.get("case_number"), name=params["plantilla"])
        return {**result, "plantilla": params["plantilla"]}

    @operation(params=FOR_SIGNATURE_PARAMS, result=FOR_SIGNATURE_RESULT, timeout=60.0)
    def emitir_para_firma(self, params: JSON, context: ConnectorContext) -> JSON:
        """Render and store a document (a resolution, a licence) that officials sign in order.

        The platform's seal does not sign it: a certification signature would forbid the
        officials' later ones. The engine opens the signature request from ``firmantes``.
        """
        folder = folder_of(context.files, params["plantilla"])
        result = self.issue(folder, params["datos"], params["titulo"], context, sign=False,
                            case_number=context.instance.get("case_number"), name=params["plantilla"])
        extra = {"mensaje": params["mensaje"]} if params.get("mensaje") else {}
        return {**result, "plantilla": params["plantilla"], "firmantes": params["firmantes"], **extra}

    def issue(self, folder: Path | Files, data: JSON, title: str, context: ConnectorContext,
              case_number: str | None = None, name: str | None = None, *, sign: bool = True) -> JSON:
        """Render the template ``folder`` (its files, or a folder on disk) with ``data``, sign it and store it.

        The operation's path, and the one of ``tramites certificate issue`` (a certificate
        outside any process, from any template folder on disk).

        :param sign: seal it with the municipality's certificate (not when officials sign it).
        :return: the operation's result, without ``plantilla``.
        :raises SigningConfigError: without a signing certificate, or one that cannot be opened.
        :raises PermanentError: without a public URL for the QR code.
        """
        config = self._settings(context)
        files = folder if isinstance(folder, Mapping) else read_folder(folder)
        name = name or (folder.name if isinstance(folder, Path) else "plantilla")
        if sign and not config.get("SIGNING_CERT"):
            raise SigningConfigError("No hay certificado de firma configurado (TRAMITES_SIGNING_CERT).")
        public_url = config.get("PUBLIC_URL") or context.instance.get("public_url")
        if not public_url:
            raise PermanentError("No hay dirección pública configurada (TRAMITES_PUBLIC_URL) para el código QR.")
        code = verification_code()
        try:
            url = verification_link(str(public_url), code)
        except ValueError as e:
            raise PermanentError("La dirección pública configurada (TRAMITES_PUBLIC_URL) no es válida.") from e
        issued_at = datetime.now(UTC).replace(microsecond=0)
        pdf = render_certificate(files, data, verification_url=url, name=name, case_number=case_number,
                                 issued_at=issued_at, title=title, verification_code=code,
                                 timezone=config.get("TIMEZONE") or CITY_TIMEZONE)
        signed = self._seal(pdf, title, config) if sign else pdf
        key = _store(context, signed)
        context.logger.info("certificate issued: code %s, sha256 %s", code, key)
        return {
            "clave": key,
            "sha256": hashlib.sha256(signed).hexdigest(),
            "codigo": code,
            "url_verificacion": url,
            "titulo": title,
            "fecha_emision": issued_at.isoformat(),
            "bytes": len(signed),
            "numero_expediente": None if case_number is None else str(case_number),
            "resumen": summarize(files, data),
        }


    def _seal(self, pdf: bytes, title: str, config: Mapping[str, Any]) -> bytes:
        signer = self._signer_for(str(config["SIGNING_CERT"]), config.get("SIGNING_PASSWORD"))
        from connectors.documents.signing import sign_pdf  # pyHanko: on the first certificate

        return sign_pdf(pdf, signer, reason=f"Emisión de «{title}»")


def _store(context: ConnectorContext, pdf: bytes) -> str:
    if context.storage is None:
        raise PermanentError("No hay almacenamiento de documentos disponible para guardar el certificado.")
    try:
        return str(context.storage.put(io.BytesIO(pdf)))
    except Exception as e:
        # The storage package is a sibling leaf we may not import; its errors carry a status.
        if getattr(e, "status", 503) < 500:
            raise PermanentError("El almacenamiento rechazó el certificado.", detail=repr(e)) from e
        raise DocumentStorageError("El almacenamiento de documentos no está disponible.", detail=repr(e)) from e
