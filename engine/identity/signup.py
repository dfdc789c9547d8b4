"""Citizen sign-up: e-mail, password policy, DNI/CUIL and the e-mail verification link.

One profile per citizen across every procedure (the plan's "registro único de ciudadano
digital"): the e-mail and the DNI are unique. Problems come back as codes per field
(:class:`SignupInvalid`); the web front words them in Spanish through gettext.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select

from engine.db import db
from engine.errors import EngineError
from engine.identity import one_time_links
from engine.identity.accounts import User, hash_password
from engine.identity.models import EmailVerification

COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
MIN_PASSWORD = 10
MAX_PASSWORD = 128
VERIFY_FOR = timedelta(hours=48)
VERIFY_SALT = "tramites.verificar-correo"
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# CUIL: two-digit type (people: 20, 23, 24, 27), the DNI in eight digits, a check digit.
CUIL_TYPES = frozenset({"20", "23", "24", "27"})
CUIL_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class SignupInvalid(EngineError):
    """The sign-up form has problems; ``problems`` maps each field to a problem code."""

    status = 422
    title = "Datos inválidos"

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Revise los datos marcados.")
        self.problems = problems


class AlreadyRegistered(EngineError):
    """The e-mail or the document already has an account: the form says "sent" as for a new
    one (no account enumeration) and the owners are told by e-mail instead."""

    status = 200
    title = "Cuenta existente"

    def __init__(self, owners: list[User]) -> None:
        super().__init__("Ya hay una cuenta con esos datos.")
        self.owners = owners


class VerificationFailed(EngineError):
    """The verification link is malformed, expired or already used (``reason`` tells which)."""

    status = 400
    title = "Enlace inválido"

    def __init__(self, reason: str) -> None:
        super().__init__("El enlace de verificación no es válido.")
        self.reason = reason


def normalize_email(text: str) -> str | None:
    """Return the address trimmed and lowercased, or ``None`` when it is not an e-mail."""
    email = (text or "").strip().lower()
    return email if len(email) <= 254 and EMAIL.match(email) else None


def cuil_check_digit(first_ten: str) -> int | None:
    """The CUIL/CUIT check digit (modulo 11) of its first ten digits; ``None`` when none fits.

    The remainder's complement is the digit; 11 means 0 and 10 has no digit (AFIP then
    issues the number with type 23 instead).
    """
    total = sum(int(d) * w for d, w in zip(first_ten, CUIL_WEIGHTS, strict=True))
    digit = 11 - total % 11
    return {11: 0, 10: None}.get(digit, digit)


def valid_cuit(text: str) -> bool:
    """Eleven digits whose last is the check digit of the first ten (a CUIT or a CUIL)."""
    return len(text) == 11 and text.isdigit() and cuil_check_digit(text[:10]) == int(text[10])


def parse_document(text: str) -> tuple[str, str | None]:
    """Read a DNI (7–8 digits) or a CUIL (11 digits, dashes and dots allowed).

    :return: ``(dni, cuil)``: the DNI in eight digits and the CUIL's eleven digits or ``None``.
    :raises SignupInvalid: with code ``documento`` (not a DNI or CUIL) or ``cuil_digito``
        (a CUIL whose check digit does not match).
    """
    digits = re.sub(r"[\s.\-]", "", text or "")
    if not digits.isdigit():
        raise SignupInvalid({"documento": "documento"})
    if len(digits) in (7, 8):
        return digits.zfill(8), None
    if len(digits) != 11 or digits[:2] not in CUIL_TYPES:
        raise SignupInvalid({"documento": "documento"})
    if cuil_check_digit(digits[:10]) != int(digits[10]):
        raise SignupInvalid({"documento": "cuil_digito"})
    return digits[2:10], digits


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercase)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Return a problem code for a new password (``corta``, ``larga``, ``comun``), or ``None``."""
    if len(password) < MIN_PASSWORD:
        return "corta"
    if len(password) > MAX_PASSWORD:
        return "larga"
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered in (email, email.partition("@")[0])):
        return "comun"
    return None


def register_citizen(*, email: str, password: str, name: str, document: str) -> User:
    """Create an inactive citizen account, to be activated by the e-mail link (flushes).

    :raises SignupInvalid: listing every field with a problem of its own.
    :raises AlreadyRegistered: when the form is fine but its e-mail or DNI already has an
        account (their owners, to be told by e-mail).
    """
    problems: dict[str, str] = {}
    address = normalize_email(email)
    if address is None:
        problems["email"] = "email"
    display = " ".join((name or "").split())
    if not 3 <= len(display) <= 200:
        problems["nombre"] = "nombre"
    code = password_problem(password, email=address)
    if code:
        problems["password"] = code
    dni = cuil = None
    try:
        dni, cuil = parse_document(document)
    except SignupInvalid as e:
        problems.update(e.problems)
    if problems:
        raise SignupInvalid(problems)
    password_hash = hash_password(password)  # hashed either way: the answer takes as long
    owners = _owners(address, dni)
    if owners:
        raise AlreadyRegistered(owners)
    user = User(username=address, email=address, display_name=display, password_hash=password_hash,
                roles="citizen", active=False, source="local", dni=dni, cuil=cuil)
    db.session.add(user)
    db.session.flush()
    return user


def _owners(address: str | None, dni: str | None) -> list[User]:
    found: list[User] = []
    if address:
        found += db.session.scalars(select(User).where(func.lower(User.email) == address))
    if dni:
        found += db.session.scalars(select(User).where(User.dni == dni))
    return list({user.id: user for user in found}.values())


def start_verification(user: User, now: datetime, secret_key: str) -> str:
    """Record a verification for the user's e-mail; return the signed token for the link."""
    token_hash, token = one_time_links.issue(secret_key, VERIFY_SALT)
    db.session.add(EmailVerification(token_hash=token_hash, user_id=user.id, email=user.email or "",
                                     created_at=now, expires_at=now + VERIFY_FOR))
    db.session.flush()
    return token


def verify_email(token: str, now: datetime, secret_key: str) -> User:
    """Activate the account a verification link belongs to; the link then stops working.

    :raises VerificationFailed: ``invalido`` (tampered or unknown), ``vencido`` or ``usado``.
    """
    try:
        row = one_time_links.open_link(token, secret_key=secret_key, salt=VERIFY_SALT, valid_for=VERIFY_FOR,
                                       now=now, find=lambda token_hash: db.session.get(EmailVerification, token_hash))
    except one_time_links.LinkRefused as e:
        raise VerificationFailed(e.reason) from e
    user = db.session.get(User, row.user_id)
    if user is None or (user.email or "") != row.email:
        raise VerificationFailed("invalido")
    row.used_at = now
    user.email_verified_at = now
    user.active = True
    db.session.flush()
    return user
