"""Task instructions are Jinja templates filled with the task's data, safely."""

from __future__ import annotations

from engine.workflow.instructions import render


def test_the_data_fills_the_instructions() -> None:
    text = "Mesa de Entradas pide: «{{ observaciones }}». Vence el {{ boleta.vencimiento }}."
    data = {"observaciones": "Falta el plano", "boleta": {"vencimiento": "15/12/2026"}}
    assert render(text, data) == "Mesa de Entradas pide: «Falta el plano». Vence el 15/12/2026."


def test_case_data_cannot_inject_markup() -> None:
    assert render("Dice: {{ x }}", {"x": "<script>alert(1)</script>"}) == "Dice: &lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_missing_value_leaves_a_gap_and_a_broken_template_is_shown_as_written() -> None:
    assert render("Observaciones: {{ nada }}.", {}) == "Observaciones: ."
    assert render("Mal {{ cerrado", {}) == "Mal {{ cerrado"
    assert render(None, {}) == "" and render("", None) == ""


def test_the_sandbox_keeps_python_out_of_reach() -> None:
    shown = render("{{ x.__class__.__mro__ }}", {"x": "a"})
    assert "object" not in shown
