"""The operation ``apoderamientos/otorgar`` and the rules of a power: dates, procedures, revocation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.errors import NotFound
from engine.identity.accounts import ensure_user
from engine.models import AuditEvent
from engine.representation import powers
from engine.representation.models import PowerOfAttorney
from engine.representation.powers import PowerRefused
from engine.runtime import EXTENSION_KEY
from engine.uow import unit_of_work

CUIT = "30712345671"


def _power(**overrides: object) -> PowerOfAttorney:
    values: dict[str, object] = {"representative": "ana", "party": "empresa", "procedures": "",
                                 "valid_from": date(2026, 1, 1), "valid_until": date(2026, 12, 31)}
    return PowerOfAttorney(**{**values, **overrides})


@pytest.mark.parametrize(("day", "in_force"), [
    (date(2025, 12, 31), False), (date(2026, 1, 1), True), (date(2026, 12, 31), True), (date(2027, 1, 1), False)])
def test_a_power_is_in_force_between_its_dates_both_included(day: date, in_force: bool) -> None:
    assert _power().in_force(day) is in_force


def test_a_revoked_power_or_one_for_other_procedures_admits_nothing() -> None:
    assert not _power(revoked_at=datetime(2026, 6, 1, tzinfo=UTC)).in_force(date(2026, 6, 2))
    assert _power(valid_until=None).in_force(date(2090, 1, 1))
    listed = _power(procedures="habilitacion_comercial catastro")
    assert listed.covers("catastro") and not listed.covers("reclamo")
    assert _power().covers("reclamo")  # no procedures listed: all


def test_the_operation_is_offered_to_service_tasks(app: Flask) -> None:
    assert powers.OPERATION in app.extensions[EXTENSION_KEY].operations()


@pytest.mark.parametrize(("params", "message"), [
    ({"cuit": CUIT, "tramites": "Habilitación!"}, "deben nombrarse por su clave"),
    ({"cuit": CUIT, "desde": "2026-13-01"}, "no es válida"),
    ({"cuit": CUIT, "desde": "2026-05-01", "hasta": "2026-04-01"}, "anterior a la de inicio"),
])
def test_bad_requests_are_refused_in_spanish_as_permanent_incidents(
        app: Flask, params: dict[str, str], message: str) -> None:
    with app.app_context(), unit_of_work():
        with pytest.raises(PowerRefused, match=message) as refused:
            powers.call(params, {"instance_id": "x"})
        assert refused.value.temporary is False


def test_a_test_case_grants_nothing_and_a_real_one_needs_a_case_and_an_account(app: Flask) -> None:
    with app.app_context(), unit_of_work():
        assert powers.call({"cuit": CUIT}, {"test_case": True}) == {"otorgado": False, "prueba": True}
        with pytest.raises(PowerRefused, match="no tiene un trámite"):
            powers.call({"cuit": CUIT}, {"instance_id": "no-existe"})
        assert db.session.scalars(select(PowerOfAttorney)).all() == []


def test_covering_parties_and_revocation(app: Flask) -> None:
    with app.app_context(), unit_of_work():
        ensure_user("ana", display_name="Ana", password="ana-clave-segura")
        company, _ = ensure_user("empresa", display_name="Empresa SA", password="empresa-clave-segura", cuit=CUIT)
        assert powers.party_by_cuit(CUIT) is company and powers.party_by_cuit("301") is None
        power = _power(procedures="reclamo", valid_until=None)
        db.session.add(power)
        db.session.flush()
        assert powers.covering("ana", "empresa", "reclamo") is power
        assert powers.covering("ana", "empresa", "catastro") is None
        assert powers.covering("otra", "empresa", "reclamo") is None
        assert [(p.id, u.username) for p, u in powers.parties_of("ana")] == [(power.id, "empresa")]
        with pytest.raises(NotFound):
            powers.revoke("ana", power.id, datetime(2026, 6, 1, tzinfo=UTC))  # only the party revokes
        powers.revoke("empresa", power.id, datetime(2026, 6, 1, tzinfo=UTC))
        assert powers.covering("ana", "empresa", "reclamo") is None and powers.parties_of("ana") == []
        with pytest.raises(NotFound):
            powers.revoke("empresa", power.id, datetime(2026, 6, 2, tzinfo=UTC))  # once
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.type == powers.REVOKED))
        assert event.actor == "empresa" and event.data["poder"] == power.id
        assert [p.id for p, name in powers.given_by("empresa")] == [power.id]
