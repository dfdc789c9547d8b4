"""Company accounts: created from the command line with their CUIT (check digit, one account per CUIT)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from engine.cli.users import user as user_group
from engine.db import db
from engine.identity.accounts import User
from engine.identity.signup import valid_cuit
from engine.representation import powers


@pytest.fixture
def cli_app(secure_app: Callable[..., Flask]) -> Flask:
    app = secure_app()
    app.cli.add_command(user_group)
    return app


def _create(app: Flask, username: str, cuit: str) -> object:
    return app.test_cli_runner().invoke(args=[
        "user", "create", "--username", username, "--email", f"{username}@example.com",
        "--password", "empresa-clave-nueva", "--name", "Distribuidora Norte SRL", "--cuit", cuit])


@pytest.mark.parametrize(("cuit", "valid"), [("30712345671", True), ("30712345679", False), ("3071234567", False),
                                             ("20-28123456", False), ("27281234566", True)])
def test_a_cuit_is_eleven_digits_with_its_check_digit(cuit: str, valid: bool) -> None:
    assert valid_cuit(cuit) is valid


def test_a_company_account_is_created_with_its_cuit_once(cli_app: Flask) -> None:
    created = _create(cli_app, "norte", "30712345671")
    assert created.exit_code == 0, created.output  # type: ignore[attr-defined]
    with cli_app.app_context():
        company = db.session.scalar(select(User).where(User.username == "norte"))
        assert company is not None
        assert (company.cuit, company.display_name) == ("30712345671", "Distribuidora Norte SRL")
        assert powers.party_by_cuit("30712345671") is company
    again = _create(cli_app, "norte2", "30712345671")
    assert again.exit_code == 1 and "el CUIT ya están en uso" in again.output  # type: ignore[attr-defined]
    wrong = _create(cli_app, "norte3", "30712345679")
    assert wrong.exit_code == 1 and "dígito verificador" in wrong.output  # type: ignore[attr-defined]
