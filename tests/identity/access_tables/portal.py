"""The portal pages (see the package's docstring for the three names)."""

from __future__ import annotations

from tests.identity.access_tables import PUBLIC, SIGNED_IN

CITIZENS = frozenset({"ciudadana", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "start.show": CITIZENS,
    "start.submit": CITIZENS,
    "start.upload": CITIZENS,
    "start.drafts": CITIZENS,
    "start.discard": CITIZENS,
    "cases.index": CITIZENS,
    "my_data.index": SIGNED_IN,
    "my_data.download": SIGNED_IN,
    "cases.detail": SIGNED_IN,
    "cases.document": SIGNED_IN,
    "cases.task": SIGNED_IN,
    "cases.complete_task": SIGNED_IN,
    "cases.task_upload": SIGNED_IN,
    "tracking.start": PUBLIC,
    "tracking.show": PUBLIC,
    "notifications.index": CITIZENS,
    "notifications.mark_read": CITIZENS,
    "notices.index": CITIZENS,
    "notices.terms": CITIZENS,
    "notices.accept": CITIZENS,
    "notices.open_notice": CITIZENS,
    "representation.index": CITIZENS,
    "representation.choose": CITIZENS,
    "representation.given": CITIZENS,
    "representation.revoke": CITIZENS,
    "password.forgot": PUBLIC,
    "password.reset": PUBLIC,
}
# Names that exist nowhere: the allowed pages answer 404 for them.
SAMPLE_ARGS: dict[str, str] = {"number": "SPT-2026-999999", "document_id": "documento-inexistente",
                               "task_id": "tarea-inexistente", "notice_id": "notificacion-inexistente"}
SERVED_GET: dict[str, int] = {"start.show": 404, "cases.detail": 404, "cases.document": 404, "cases.task": 404,
                              "tracking.show": 404, "password.reset": 400,
                              "notices.open_notice": 404}
# A post without the power it names: nothing to revoke.
SERVED_POST: dict[str, int] = {"representation.revoke": 404}
