"""Local accounts and groups: the embedded default's directory and the break-glass admins.

Staff groups are the names BPMN lanes use as candidate groups. With LDAP configured the
directory answers instead; these tables still hold citizens and local administrators.
"""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, ForeignKey, String, Table, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

import engine.identity.models  # noqa: F401  # registers the identity tables with the metadata
from engine.db import UTCDateTime, db, new_id, utcnow
from engine.identity.group_names import catalogue, plain_title

ROLES = ("citizen", "staff", "supervisor", "analyst", "auditor", "archivist", "admin", "scheduler")
#: Where an account comes from: created here (CLI, seed, sign-up) or shadowing a directory entry.
SOURCES = ("local", "ldap", "oidc")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

memberships = Table(
    "memberships",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_name", ForeignKey("groups.name", ondelete="CASCADE"), primary_key=True),
)


class Group(db.Model):  # type: ignore[name-defined]
    __tablename__ = "groups"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class User(db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200), default="citizen")  # space-separated
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One profile per citizen: the DNI (also the middle of a CUIL) is unique.
    dni: Mapped[str | None] = mapped_column(String(8), unique=True)
    cuil: Mapped[str | None] = mapped_column(String(11))
    # A company (persona jurídica) is an account with its CUIT; its display name is the razón social.
    cuit: Mapped[str | None] = mapped_column(String(11), unique=True)
    # "<issuer> <subject>" of an account that signs in with an external OpenID Connect provider.
    external_id: Mapped[str | None] = mapped_column(String(400), unique=True)
    groups: Mapped[list[Group]] = relationship(secondary=memberships, lazy="selectin")

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    @property
    def group_names(self) -> list[str]:
        return sorted(g.name for g in self.groups)


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """Tell whether ``password`` is the user's, in constant time per hash."""
    if not user.password_hash:
        return False
    return verify_hash(user.password_hash, password)


def verify_hash(stored: str, password: str) -> bool:
    """Tell whether ``password`` matches an Argon2 hash (``False`` for a malformed hash)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def ensure_group(name: str, title: str | None = None) -> Group:
    """Return the group, creating it when missing (idempotent; flushes, never commits).

    A new group without a ``title`` takes the catalogue's name (:func:`plain_title`).
    """
    group = db.session.get(Group, name)
    if group is None:
        group = Group(name=name, title=title or plain_title(name))
        db.session.add(group)
        db.session.flush()
    return group


def group_title(name: str | None) -> str:
    """The name people read for a group: the catalogue's, else the directory's title, else its id
    with spaces (an empty text for none)."""
    if not name:
        return ""
    known = catalogue().get(name)
    if known:
        return known
    group = db.session.get(Group, name)
    return group.title if group is not None else plain_title(name)


def ensure_user(
    username: str,
    *,
    display_name: str,
    password: str,
    email: str | None = None,
    roles: tuple[str, ...] = ("citizen",),
    groups: tuple[str, ...] = (),
    cuit: str | None = None,
) -> tuple[User, bool]:
    """Return ``(user, created)``; an existing user is left as it is (safe to run again).

    :param cuit: a company's CUIT (its account is the company's; ``display_name`` its razón social).

    :raises ValueError: for a role the platform does not know.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None:
        return user, False
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        roles=" ".join(roles),
        cuit=cuit,
    )
    for name in groups:
        user.groups.append(ensure_group(name))
    db.session.add(user)
    db.session.flush()
    return user, True


def create_user(
    username: str,
    *,
    password: str,
    email: str | None = None,
    display_name: str | None = None,
    roles: tuple[str, ...] = ("citizen",),
    groups: tuple[str, ...] = (),
    cuit: str | None = None,
) -> User:
    """Create a local account (flushes); unlike :func:`ensure_user`, an existing one is an error.

    :param cuit: a company's CUIT (the account is the company's).
    :raises ValueError: for an unknown role, or a user name, e-mail or CUIT already taken.
    """
    taken = select(User.id).where(func.lower(User.username) == username.casefold())
    if email:
        taken = select(User.id).where(or_(func.lower(User.username) == username.casefold(),
                                          func.lower(User.email) == email.casefold()))
    if db.session.scalar(taken) is not None or (cuit and db.session.scalar(select(User.id).where(User.cuit == cuit))):
        raise ValueError("user name, e-mail or CUIT already taken")
    user, _created = ensure_user(username, display_name=display_name or username, password=password, email=email,
                                 roles=roles or ("citizen",), groups=groups, cuit=cuit)
    return user
