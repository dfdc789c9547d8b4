"""Sign-in, sign-up, the public guide and verification."""

from __future__ import annotations

from tests.identity.access_tables import ANALYSTS, PUBLIC, SIGNED_IN

TABLE: dict[str, frozenset[str]] = {
    "home.index": PUBLIC,
    "auth.sign_in": PUBLIC,
    "auth.sign_up": PUBLIC,
    "auth.sign_up_sent": PUBLIC,
    "auth.verify": PUBLIC,
    "auth.account": SIGNED_IN,
    "auth.sign_out": SIGNED_IN,
    "preview.show": ANALYSTS,
    "template_preview.index": ANALYSTS,
    "template_preview.pdf": ANALYSTS,
    "verification.start": PUBLIC,
    "verification.by_code": PUBLIC,
    "verification.by_file": PUBLIC,
    "guide.index": PUBLIC,
    "guide.detail": PUBLIC,
}
SAMPLE_ARGS = {"token": "enlace-de-prueba", "code": "CODIGO-INEXISTENTE", "key": "tramite_inexistente",
               "version": "1"}
SERVED_GET = {"verification.by_code": 404, "guide.detail": 404, "template_preview.pdf": 404}
