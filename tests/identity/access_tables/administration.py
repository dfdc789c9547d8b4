"""The administration's pages and the case search (issue 19: each role finds its work)."""

from __future__ import annotations

ADMIN = frozenset({"admin"})
# supervisors find their groups' cases, auditors (and administrators) every case
CASE_SEARCHERS = frozenset({"supervisora", "auditor", "admin"})

TABLE: dict[str, frozenset[str]] = {
    "administration.index": ADMIN,
    "case_search.index": CASE_SEARCHERS,
    "users_admin.index": ADMIN,
    "users_admin.show": ADMIN,
    "users_admin.save": ADMIN,
    "users_admin.new": ADMIN,
    "users_admin.create": ADMIN,
    "users_admin.send_link": ADMIN,
    "users_admin.create_token": ADMIN,
    "users_admin.revoke_token": ADMIN,
}
SAMPLE_ARGS: dict[str, str] = {"username": "cuenta-inexistente"}
SERVED_GET: dict[str, int] = {"users_admin.show": 404}
SERVED_POST: dict[str, int] = {"users_admin.save": 404, "users_admin.create": 422, "users_admin.send_link": 404}
