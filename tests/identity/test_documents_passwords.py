"""DNI/CUIL, e-mail and password rules of citizen sign-up (no database)."""

from __future__ import annotations

import pytest

from engine.identity.access import Access, access_of, allows, csrf_exempt, is_csrf_exempt, public, roles_required
from engine.identity.signup import (
    SignupInvalid,
    common_passwords,
    cuil_check_digit,
    normalize_email,
    parse_document,
    password_problem,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("30123456", ("30123456", None)),
    ("30.123.456", ("30123456", None)),
    ("5123456", ("05123456", None)),
    ("20-12345678-6", ("12345678", "20123456786")),
    ("27-30123456-8", ("30123456", "27301234568")),
    ("23 22222222 2", ("22222222", "23222222222")),
    ("20100000130", ("10000013", "20100000130")),
])
def test_documents_that_are_accepted(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_document(text) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", "documento"), ("123456", "documento"), ("abc12345", "documento"), ("123456789", "documento"),
    ("30-12345678-1", "documento"),  # a company's CUIT is not a person's CUIL
    ("20-12345678-5", "cuil_digito"), ("27-30123456-4", "cuil_digito"),
    ("20-10000005-0", "cuil_digito"),  # remainder 1: no digit fits,
])
def test_documents_that_are_refused(text: str, code: str) -> None:
    with pytest.raises(SignupInvalid) as caught:
        parse_document(text)
    assert caught.value.problems == {"documento": code}


def test_check_digit_edge_cases() -> None:
    # Remainder 0 -> 11 -> digit 0; remainder 1 -> 10 -> no digit (AFIP issues type 23 instead).
    assert cuil_check_digit("2010000013") == 0
    assert cuil_check_digit("2010000005") is None
    assert cuil_check_digit("2012345678") == 6


@pytest.mark.parametrize(("text", "expected"), [
    (" Maria@Example.COM ", "maria@example.com"), ("a@b.ar", "a@b.ar"), ("sin-arroba", None),
    ("a@b", None), ("a b@c.com", None), ("x" * 250 + "@example.com", None),
])
def test_email_normalization(text: str, expected: str | None) -> None:
    assert normalize_email(text) == expected


@pytest.mark.parametrize(("password", "problem"), [
    ("corta1", "corta"), ("x" * 129, "larga"), ("1234567890", "comun"), ("Password123", "comun"),
    ("qwertyuiop", "comun"), ("tucuman2025", "comun"), ("maria.fernandez", "comun"),
    ("caballo-correcto-bateria", None),
])
def test_password_policy(password: str, problem: str | None) -> None:
    assert password_problem(password, email="maria.fernandez@example.com") == problem


def test_the_common_password_list_is_shipped_lowercase() -> None:
    words = common_passwords()
    assert 5000 <= len(words) <= 20000
    assert all(w == w.lower() for w in words)
    assert {"123456", "password", "contraseña", "argentina"} <= words


def test_access_markers() -> None:
    def view() -> None: ...

    assert access_of(view) == Access()  # unmarked: any signed-in user
    assert not allows(access_of(view), None) and allows(access_of(view), ["citizen"])
    assert allows(access_of(public(view)), None)
    analyst_only = roles_required("analyst")(lambda: None)
    assert not allows(access_of(analyst_only), None)
    assert not allows(access_of(analyst_only), ["citizen", "staff"])
    assert allows(access_of(analyst_only), ["analyst"]) and allows(access_of(analyst_only), ["admin"])
    with pytest.raises(ValueError, match="unknown roles"):
        roles_required("superuser")
    assert not is_csrf_exempt(view) and is_csrf_exempt(csrf_exempt(view))
