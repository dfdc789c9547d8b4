"""Who is signing in: local accounts (Argon2id) and staff from the directory (shadow users).

Plain functions over the models, shared by both web fronts; the directory is reached only
through the ``authenticate_staff`` callable that ``create_app`` injects, and every function
flushes and leaves the commit to the caller.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from sqlalchemy import func, or_, select

from engine.db import db
from engine.identity.accounts import ROLES, User, check_password, ensure_group, hash_password, verify_hash

#: Directory groups that grant a role besides ``staff`` (configurable per city).
DEFAULT_ROLE_GROUPS: Mapping[str, str] = {
    "supervisores": "supervisor",
    "analistas": "analyst",
    "auditores": "auditor",
    "administradores": "admin",
    "agendas_turnos": "scheduler",
}


class PersonLike(Protocol):
    """What the directory's ``authenticate`` returns (``connectors.ldap_.Person`` fits)."""

    @property
    def uid(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def groups(self) -> tuple[str, ...] | list[str]: ...


AuthenticateStaff = Callable[[str, str], PersonLike | None]


class Outcome(enum.Enum):
    """How a sign-in attempt ended."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    INACTIVE = "inactive"  # the password was right, the account is not active (e-mail not verified)
    DIRECTORY_DOWN = "directory_down"


@dataclass(frozen=True)
class SignIn:
    """The result of :func:`sign_in`: the outcome and, when it is ``OK``, the user."""

    outcome: Outcome
    user: User | None = None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("una contraseña que nadie tiene")


def find_local(login: str) -> User | None:
    """Find an account by user name or e-mail, ignoring case."""
    wanted = login.strip().casefold()
    if not wanted:
        return None
    return db.session.scalar(select(User).where(or_(func.lower(User.username) == wanted,
                                                    func.lower(User.email) == wanted)))


def sign_in(login: str, password: str, *, authenticate_staff: AuthenticateStaff | None = None,
            role_groups: Mapping[str, str] = DEFAULT_ROLE_GROUPS) -> SignIn:
    """Check a user name (or e-mail) and password: local accounts first, then the directory.

    A local account (created here, not shadowing the directory) is never taken over by a
    directory entry of the same name; an unknown name costs the same hashing time as a
    known one, so timing does not tell which names exist.

    :param authenticate_staff: ``(username, password) -> person or None``; ``None`` when no
        directory is configured. It may raise when the directory is down.
    :param role_groups: directory group -> extra role (``supervisores`` -> ``supervisor``).
    :return: the outcome, with the user when it is ``OK``.
    """
    user = find_local(login)
    if user is not None and user.source != "ldap":
        return _check_local(user, password)
    if authenticate_staff is None or not password:
        verify_hash(_dummy_hash(), password or "-")
        return SignIn(Outcome.BAD_CREDENTIALS)
    try:
        person = authenticate_staff(login.strip(), password)
    except Exception:  # the front must not know the connector's error classes
        return SignIn(Outcome.DIRECTORY_DOWN)
    if person is None:
        return SignIn(Outcome.BAD_CREDENTIALS)
    shadow = staff_user(person, role_groups)
    if shadow is None or not shadow.active:
        return SignIn(Outcome.INACTIVE if shadow else Outcome.BAD_CREDENTIALS)
    return SignIn(Outcome.OK, shadow)


def _check_local(user: User, password: str) -> SignIn:
    if not user.password_hash:
        verify_hash(_dummy_hash(), password or "-")  # same time as a real check
        return SignIn(Outcome.BAD_CREDENTIALS)
    if not check_password(user, password):
        return SignIn(Outcome.BAD_CREDENTIALS)
    if not user.active:
        return SignIn(Outcome.INACTIVE, None)
    return SignIn(Outcome.OK, user)


def staff_user(person: PersonLike, role_groups: Mapping[str, str] = DEFAULT_ROLE_GROUPS) -> User | None:
    """Create or refresh the local shadow of a directory person; return it (flushes).

    The shadow has no password (the directory keeps it), the role ``staff`` plus the roles
    its groups grant, and the directory's groups, which are the names BPMN lanes use.
    Returns ``None`` when a local account already holds that user name.
    """
    user = db.session.scalar(select(User).where(func.lower(User.username) == person.uid.casefold()))
    if user is not None and user.source != "ldap":
        return None
    if user is None:
        user = User(username=person.uid, display_name=person.name or person.uid, source="ldap", roles="staff")
        db.session.add(user)
    user.display_name = person.name or person.uid
    user.email = _free_email(person.email, user)
    extra = {role_groups[g] for g in person.groups if g in role_groups}
    user.roles = " ".join(sorted({"staff", *extra} & set(ROLES)))
    user.groups = [ensure_group(g) for g in sorted(set(person.groups))]
    db.session.flush()
    return user


def _free_email(email: str | None, owner: User) -> str | None:
    """The directory's e-mail, unless another account (a citizen) already has it."""
    if not email:
        return None
    taken = db.session.scalar(select(User.id).where(func.lower(User.email) == email.casefold()))
    return email if taken in (None, owner.id) else None


def user_by_id(user_id: str | None) -> User | None:
    """The active user with that id, or ``None``."""
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def external_user(issuer: str, subject: str, *, email: str | None, email_verified: bool, name: str | None,
                  now: datetime) -> User | None:
    """The citizen account of someone an external OpenID Connect provider vouches for (flushes).

    The account is found by issuer and subject; the first time, a citizen-only account with
    the same verified e-mail is linked, otherwise a new citizen account is created. Staff,
    analysts and administrators are never reached this way (``None``), nor inactive accounts.
    """
    key = f"{issuer} {subject}"[:400]
    user = db.session.scalar(select(User).where(User.external_id == key))
    address = (email or "").strip().lower() or None
    if user is None and address and email_verified:
        user = db.session.scalar(select(User).where(func.lower(User.email) == address))
        if user is not None and (user.role_set != {"citizen"} or user.external_id):
            return None
    if user is None:
        taken = address and db.session.scalar(select(User.id).where(func.lower(User.email) == address))
        usable = address if address and email_verified and not taken else None
        user = User(username=usable or f"oidc-{hashlib.sha256(key.encode()).hexdigest()[:24]}", email=usable,
                    display_name=(name or usable or subject)[:200], roles="citizen", source="oidc", active=True,
                    email_verified_at=now if usable else None)
        db.session.add(user)
    if user.role_set != {"citizen"} or not user.active:
        return None
    user.external_id = key
    db.session.flush()
    return user
