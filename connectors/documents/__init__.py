"""Certificates: render (Jinja2 + WeasyPrint), sign (PAdES, pyHanko), verify, issue.

A leaf library: it imports nothing of the platform but :mod:`connectors.base`, and no
Flask. The engine registers issued certificates and serves the verification page with
these functions; BPMN service tasks reach :class:`DocumentsConnector` by name.
"""

from importlib import import_module
from typing import Any

from connectors.documents.codes import normalize_verification_code, verification_code, verification_link
from connectors.documents.connector import DocumentsConnector
from connectors.documents.errors import (
    DocumentError,
    DocumentStorageError,
    RenderError,
    SigningConfigError,
    SigningError,
    TemplateNotFoundError,
)
from connectors.documents.folders import folder_of, read_folder
from connectors.documents.qr import qr_data_uri, qr_matrix
from connectors.documents.render import BASE_TEMPLATE_DIR, MUNICIPALITY, format_issue_date, render_certificate

# pyHanko costs close to half a second at import: signing and verifying load on first use,
# so a process that never signs nor checks a PDF (a CLI call, a worker) never pays for it.
# (WeasyPrint waits likewise, inside the renderers.)
_LAZY = {
    "create_development_certificate": "signing", "load_signer": "signing", "sign_pdf": "signing",
    "signing_certificate": "signing", "Inspection": "verify", "inspect_pdf": "verify",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)


__all__ = [
    "BASE_TEMPLATE_DIR",
    "MUNICIPALITY",
    "DocumentError",
    "DocumentStorageError",
    "DocumentsConnector",
    "Inspection",
    "RenderError",
    "SigningConfigError",
    "SigningError",
    "TemplateNotFoundError",
    "create_development_certificate",
    "folder_of",
    "format_issue_date",
    "inspect_pdf",
    "load_signer",
    "normalize_verification_code",
    "qr_data_uri",
    "qr_matrix",
    "render_certificate",
    "read_folder",
    "sign_pdf",
    "signing_certificate",
    "verification_code",
    "verification_link",
]
