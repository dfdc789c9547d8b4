"""How the staff's pages and CSV files write numbers, dates, weeks, priorities and long labels."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask

from worklists import charts, spreadsheet, wording


@pytest.mark.parametrize("value, text", [
    (12.5, "12,5"), (0.0, "0"), (3.25, "3,25"), (7, "7"), (None, ""), (True, "Sí"),
    (date(2026, 11, 30), "30/11/2026"), (datetime(2026, 12, 6, 9, 5), "06/12/2026 09:05"), ("Tránsito", "Tránsito"),
])
def test_a_cell_is_written_es_ar(value: object, text: str) -> None:
    assert spreadsheet.cell_text(value) == text


def test_a_csv_opens_in_a_spreadsheet_set_to_es_ar() -> None:
    written = spreadsheet.csv_text(["Trámite", "Mediana (horas)", "Semana del"],
                                   [("Habilitación comercial; local", 12.5, date(2026, 11, 30))])
    assert written.startswith("\ufeff")
    assert written[1:].split("\r\n") == ["Trámite;Mediana (horas);Semana del",
                                         '"Habilitación comercial; local";12,5;30/11/2026', ""]


def test_a_csv_download_is_utf8_with_bom(app: Flask) -> None:
    with app.test_request_context():
        response = spreadsheet.csv_response("tablero.csv", ["Grupo"], [("Dirección de Comercio",)])
    assert response.mimetype == "text/csv" and 'filename="tablero.csv"' in response.headers["Content-Disposition"]
    assert response.get_data() == "\ufeffGrupo\r\nDirección de Comercio\r\n".encode()


@pytest.mark.parametrize("priority, text", [(0, "Normal"), (None, "Normal"), (1, "Alta"), (2, "Urgente"),
                                            (9, "Urgente"), (-1, "Baja")])
def test_a_priority_is_a_word(app: Flask, priority: int | None, text: str) -> None:
    with app.test_request_context():
        assert wording.priority_text(priority) == text


def test_an_iso_week_starts_on_its_monday() -> None:
    assert wording.week_start("2026-W49") == date(2026, 11, 30)
    assert wording.week_start("2027-W01") == date(2027, 1, 4)


def test_a_long_chart_label_is_cut_at_a_word_and_kept_whole_for_its_title() -> None:
    name = "Habilitación comercial · Verificar la documentación presentada por el titular"
    chart = charts.bars("Mediana", [(name, 12.5), ("Corto", 3.0)], " h")
    long, short = chart.bars
    assert long.full_label == name and long.label.endswith("…") and len(long.label) <= charts.LABEL_CHARS
    assert name.startswith(long.label[:-1]) and not long.label[:-1].endswith(" ")
    assert (short.label, short.full_label, long.text) == ("Corto", "Corto", "12,5 h")
