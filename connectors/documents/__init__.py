"""Certificates: render (Jinja2 + WeasyPrint), sign (PAdES, pyHanko), verify, issue.

A leaf library: it imports nothing of the platform but :mod:`connectors.base`, and no
Flask. The engine registers issued certificates and serves the verification page with
these functions; BPMN service tasks reach :class:`DocumentsConnector` by name.
"""

from connectors.documents.codes import normalize_verification_code, verification_code, verification_link
from connectors.documents.connector import DocumentsConnector, resolve_template
from connectors.documents.errors import (
    DocumentError,
    DocumentStorageError,
    RenderError,
    SigningConfigError,
    SigningError,
    TemplateNotFoundError,
)
from connectors.documents.qr import qr_data_uri, qr_matrix
from connectors.documents.render import BASE_TEMPLATE_DIR, MUNICIPALITY, format_issue_date, render_certificate
from connectors.documents.signing import (
    create_development_certificate,
    load_signer,
    sign_pdf,
    signing_certificate,
)
from connectors.documents.verify import Inspection, inspect_pdf

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
    "format_issue_date",
    "inspect_pdf",
    "load_signer",
    "normalize_verification_code",
    "qr_data_uri",
    "qr_matrix",
    "render_certificate",
    "resolve_template",
    "sign_pdf",
    "signing_certificate",
    "verification_code",
    "verification_link",
]
