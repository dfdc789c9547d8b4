"""Inspect a PDF someone presents: its hash, its signature, and whether it changed.

This answers the technical half of "is this certificate authentic?". The other half
(were these exact bytes issued by the city, and not revoked?) is the engine's registry,
which compares :attr:`Inspection.sha256` with what it recorded at issue.

A document counts as modified when its signature no longer matches the signed bytes (a
flipped byte) *or* when bytes were appended after the signature (an incremental update:
the original signature stays intact but no longer covers the whole file).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from connectors.documents.loops import outside_event_loop

logger = logging.getLogger("tramites.connectors.documents")

TrustedCert: TypeAlias = "x509.Certificate | asn1_x509.Certificate | bytes"

STATE_LABELS = {
    "intact": "firma válida e íntegra",
    "untrusted": "firma íntegra de un firmante no reconocido",
    "modified": "modificado",
    "unsigned": "sin firma digital",
    "unreadable": "no es un PDF legible",
}


@dataclass(frozen=True)
class Inspection:
    """What :func:`inspect_pdf` found.

    :param sha256: SHA-256 of the bytes, lowercase hex (compare with the registry).
    :param readable: whether the bytes parse as a PDF.
    :param signed: whether the PDF carries a signature (for unreadable bytes: whether
        they contain a signature dictionary).
    :param intact: the signed bytes still hash to what was signed (``None`` if unsigned).
    :param valid: the signature is cryptographically sound (``None`` if unsigned).
    :param trusted: the signer chains to the trusted certificate given (``None`` if unsigned).
    :param coverage: pyHanko's coverage name (``ENTIRE_FILE``, ``ENTIRE_REVISION``, …).
    :param modified: changed after signing: not intact (or the signature value broken), or
        later revisions appended.
    :param signer: the signer certificate's subject, human readable.
    :param signed_at: the signing time the signer reported.
    :param signatures: how many signatures the file holds.
    """

    sha256: str
    readable: bool
    signed: bool
    intact: bool | None = None
    valid: bool | None = None
    trusted: bool | None = None
    coverage: str | None = None
    modified: bool = False
    signer: str | None = None
    signed_at: datetime | None = None
    signatures: int = 0

    @property
    def state(self) -> str:
        """One of ``intact``, ``untrusted``, ``modified``, ``unsigned``, ``unreadable``."""
        if self.signed and self.modified:
            return "modified"
        if not self.readable:
            return "unreadable"
        if not self.signed:
            return "unsigned"
        return "intact" if self.trusted else "untrusted"

    @property
    def label(self) -> str:
        """The state in Spanish, for the verification page (``modificado``, …)."""
        return STATE_LABELS[self.state]

    def as_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data (dates as ISO 8601)."""
        return {
            "sha256": self.sha256, "readable": self.readable, "signed": self.signed, "intact": self.intact,
            "valid": self.valid, "trusted": self.trusted, "coverage": self.coverage, "modified": self.modified,
            "signer": self.signer, "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "signatures": self.signatures, "state": self.state, "label": self.label,
        }


def _as_asn1(cert: TrustedCert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, x509.Certificate):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    if cert.lstrip().startswith(b"-----BEGIN"):
        return asn1_x509.Certificate.load(x509.load_pem_x509_certificate(cert).public_bytes(serialization.Encoding.DER))
    return asn1_x509.Certificate.load(cert)


def _validation_context(trusted_cert: TrustedCert | None) -> ValidationContext:
    # No fetching: verification must not depend on (or leak to) the network, and the
    # trust root is the city's own certificate, not the system store.
    roots: list[asn1_x509.Certificate] = [_as_asn1(trusted_cert)] if trusted_cert is not None else []
    return ValidationContext(trust_roots=roots, allow_fetching=False)


def inspect_pdf(pdf_bytes: bytes, trusted_cert: TrustedCert | None = None) -> Inspection:
    """Hash a PDF and check its first (the city's) signature.

    Never raises on bad input: garbage, truncated or tampered files come back as an
    :class:`Inspection` saying so.

    :param pdf_bytes: the file as presented.
    :param trusted_cert: the certificate the signature must chain to (the configured
        signing certificate, or the development one); without it ``trusted`` is false.
    :return: the findings.
    """
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    looks_signed = b"/ByteRange" in pdf_bytes
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as e:
        # A tampered signed file may no longer parse: report what can be said.
        logger.info("PDF did not parse for inspection: %r", e)
        return Inspection(sha256=digest, readable=False, signed=looks_signed, modified=looks_signed)
    if not embedded:
        return Inspection(sha256=digest, readable=True, signed=False)
    first = min(embedded, key=lambda sig: sig.signed_revision)
    try:
        status = outside_event_loop(lambda: validate_pdf_signature(first, _validation_context(trusted_cert),
                                                                   skip_diff=True))
    except RuntimeError:
        raise  # e.g. called inside a running event loop: a fault of ours, not of the document
    except Exception as e:
        logger.info("signature did not validate for inspection: %r", e)
        return Inspection(sha256=digest, readable=True, signed=True, intact=False, valid=False, trusted=False,
                          modified=True, signatures=len(embedded))
    coverage = status.coverage
    return Inspection(
        sha256=digest,
        readable=True,
        signed=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        coverage=coverage.name if coverage is not None else None,
        modified=not (status.intact and status.valid) or coverage != SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        signatures=len(embedded),
    )
