"""The procedures pages (see the package's docstring for the three names)."""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC

STAFF = frozenset({"mesa", "supervisora", "admin"})
READERS = STAFF | {"auditor"}

TABLE: dict[str, frozenset[str]] = {
    # the public reclamo form and the QR landing (anyone, with or without an account)
    "reclamos.new": PUBLIC,
    "reclamos.submit": PUBLIC,
    "reclamos.from_qr": PUBLIC,
    "reclamos.received": PUBLIC,
    # phone entries: staff of atencion_vecino only (the table's staff are in mesa_entradas: 403)
    "reclamos_desk.phone": frozenset({"admin"}),
    "reclamos_desk.phone_submit": frozenset({"admin"}),
    "reclamos_desk.qr_form": STAFF,
    "reclamos_desk.qr_sheet": STAFF,
    "reclamos_desk.duplicates": READERS,
    # the WhatsApp conversation of an «Atención por WhatsApp» case: staff who may see the case, never auditors
    "conversations.show": STAFF,
}
# "token" and "code" (identity's sample arguments) name no QR point and no case: 404.
SAMPLE_ARGS: dict[str, str] = {}
SERVED_GET: dict[str, int] = {"reclamos.from_qr": 404, "reclamos.received": 404, "reclamos_desk.duplicates": 404,
                             "conversations.show": 404}
