"""The monthly aggregates against figures computed directly from a seeded data set, k and the refresh."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from engine.db import db
from engine.figures import hexgrid, queries, refresh
from engine.figures.models import FiguresMonth, ProcedureMonth, ReclamoCell
from engine.models import Instance
from tests.figures import seed

TZ = "America/Argentina/Tucuman"


def test_procedure_months_match_the_figures_computed_from_the_seeded_cases(app: Flask) -> None:
    with app.app_context():
        seeded = seed.seed()
        done = refresh.refresh(seed.NOW, TZ)
        assert done == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
        expected = seed.expected_procedure_months(seeded)
        rows = {(r.process_key, r.month): r for r in db.session.scalars(
            select(ProcedureMonth).where(ProcedureMonth.process_key != "reclamo"))}
        assert set(rows) == set(expected)
        for key, want in expected.items():
            row = rows[key]
            assert (row.started, row.finished, row.median_days, row.p90_days) == (
                want["started"], want["finished"], want["median"], want["p90"]), key
            if key[0] == seed.PERMISO:
                assert (row.refused, row.on_time, row.with_term) == (want["refused"], want["on_time"],
                                                                     want["finished"]), key
            else:  # no refusal rule, no term: nothing to count
                assert (row.refused, row.with_term) == (0, 0)
        assert sum(r.started for r in rows.values()) == 120  # the test case is not counted


def test_a_rate_from_fewer_than_k_cases_is_not_published_but_the_counts_are(app: Flask) -> None:
    with app.app_context():
        seed.seed()
        refresh.refresh(seed.NOW, TZ)
        row = db.session.scalars(select(ProcedureMonth).where(ProcedureMonth.process_key == seed.PERMISO)
                                 .order_by(ProcedureMonth.finished)).first()
        assert row is not None and row.finished > 0
        shown = {f.month: f for f in queries.procedure_months(row.finished + 1, process_key=seed.PERMISO)}
        hidden = shown[row.month]
        assert (hidden.started, hidden.finished) == (row.started, row.finished)
        assert (hidden.median_days, hidden.p90_days, hidden.refused_share, hidden.on_time_share) == (None,) * 4
        visible = {f.month: f for f in queries.procedure_months(row.finished, process_key=seed.PERMISO)}[row.month]
        assert visible.median_days == row.median_days
        assert visible.refused_share == round(row.refused / row.finished, 4)


def test_reclamos_are_counted_per_hex_cell_and_a_cell_under_k_is_left_out(app: Flask) -> None:
    with app.app_context():
        seed.seed()
        refresh.refresh(seed.NOW, TZ)
        crowded, sparse = hexgrid.cell_of(*seed.CROWDED), hexgrid.cell_of(*seed.SPARSE)
        stored = {(r.category, r.cell): r for r in db.session.scalars(select(ReclamoCell))}
        assert stored[("alumbrado", sparse)].total == 3  # kept exactly, never shown
        cells = queries.reclamo_cells(5)
        assert [(c.category, c.cell, c.total, c.open, c.resolved) for c in cells] == [
            ("baches", crowded, 6, 2, 4)]
        made = datetime(2026, 2, 3, 14, 0, tzinfo=UTC)
        assert cells[0].median_days_to_resolve == statistics.median(
            seed.business_days(made, made + timedelta(days=n + 1)) for n in range(4))
        assert all(c.cell != sparse for c in queries.reclamo_cells(4))


def test_a_final_month_is_never_recomputed_and_the_open_ones_are(app: Flask) -> None:
    with app.app_context():
        seed.seed()
        refresh.refresh(seed.NOW, TZ)
        states = {m.month: (m.procedures_final, m.reclamos_final) for m in db.session.scalars(select(FiguresMonth))}
        # January and February ended; February's reclamos are still open; March is running.
        assert states == {date(2026, 1, 1): (True, True), date(2026, 2, 1): (True, False),
                          date(2026, 3, 1): (False, False)}
        january = db.session.get(ProcedureMonth, (seed.CONSTANCIA, date(2026, 1, 1)))
        assert january is not None and january.final
        before = january.started
        # A row changed behind the figures' back in a final month is not read again...
        case = db.session.scalars(select(Instance).where(Instance.process_key == seed.CONSTANCIA)).first()
        assert case is not None
        case.created_at = seed.NOW - timedelta(days=1)
        db.session.flush()
        assert refresh.refresh(seed.NOW, TZ) == [date(2026, 2, 1), date(2026, 3, 1)]
        assert db.session.get(ProcedureMonth, (seed.CONSTANCIA, date(2026, 1, 1))).started == before
        # ...and the running month picks it up.
        assert db.session.get(ProcedureMonth, (seed.CONSTANCIA, date(2026, 3, 1))).started >= 1


def test_a_point_falls_in_the_cell_whose_centre_is_nearest() -> None:
    for lat, lon in ((-26.83, -65.20), (-26.80, -65.25), (-26.85, -65.19), (-26.8241, -65.2226)):
        cell = hexgrid.cell_of(lat, lon)
        centre = hexgrid.centre(cell)
        q, r = (int(x) for x in cell.split(":"))
        neighbours = [f"{q + dq}:{r + dr}" for dq, dr in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1))]

        assert all(_metres(centre, (lat, lon)) <= _metres(hexgrid.centre(n), (lat, lon)) for n in neighbours)
        assert _metres(centre, (lat, lon)) <= hexgrid.DEFAULT_SIZE_M + 1


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (((a[0] - b[0]) * 111_320) ** 2 + ((a[1] - b[1]) * 99_400) ** 2) ** 0.5
