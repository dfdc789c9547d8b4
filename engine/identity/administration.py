"""What an administrator does to accounts and API tokens from the administration pages.

Local accounts are created (without a password: their owner chooses it through a link,
:func:`engine.identity.password_reset.issue_welcome`) and edited here (roles, groups, active);
accounts that shadow the staff
directory (LDAP) or an external provider are shown but never edited: the directory rules them
and would undo any change at the next sign-in. Every change is an audit event of the
platform's own chain, as tokens' are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from engine import audit
from engine.db import db
from engine.errors import Conflict, DataInvalid, NotFound
from engine.identity import sessions
from engine.identity.accounts import ROLES, Group, User, ensure_group, group_title
from engine.identity.signup import normalize_email
from engine.models import ApiToken
from engine.plain_text import plain

PER_PAGE = 50
#: A local user name, as a directory's ``uid``: lower-case letters, digits, dots, hyphens, underscores.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
#: Names the administration's own paths use (``/administracion/usuarios/nueva``).
RESERVED_NAMES = frozenset({"nueva", "tokens"})
MAX_NAME = 200


@dataclass(frozen=True)
class AccountPage:
    rows: list[User]
    page: int
    has_next: bool


def accounts(text: str = "", page: int = 1, per_page: int = PER_PAGE) -> AccountPage:
    """One page of every account, by user name; ``text`` narrows to a part of the user name,
    name or e-mail."""
    found = select(User)
    if text.strip():
        pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = found.where(or_(*(func.lower(c).like(pattern, escape="\\")
                                  for c in (User.username, User.display_name, User.email))))
    page = max(1, page)
    rows = list(db.session.scalars(found.order_by(User.username).limit(per_page + 1).offset((page - 1) * per_page)))
    return AccountPage(rows[:per_page], page, len(rows) > per_page)


def account(username: str) -> User:
    """The account named ``username``.

    :raises NotFound: when there is none.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("La cuenta no existe.")
    return user


def group_names(extra: Iterable[str] = ()) -> list[str]:
    """Every group an account may join: the stored ones and ``extra`` (the lanes' groups), in the
    order of the names people read for them."""
    # The rows are kept while sorting: group_title then finds each in the session, without a query.
    stored = list(db.session.scalars(select(Group)))
    names = {group.name for group in stored} | set(extra)
    return sorted(names, key=lambda name: plain(group_title(name)))


def update_account(username: str, *, roles: Iterable[str], groups: Iterable[str], active: bool, actor: User,
                   allowed_groups: Iterable[str]) -> User:
    """Set a local account's roles, groups and whether it may sign in (flushes, never commits).

    An administrator may neither take their own administration role away nor deactivate
    themself, so that the platform never loses its last way in by a slip. Deactivating ends
    the account's sessions.

    :raises NotFound: for an unknown account.
    :raises Conflict: for an account of the directory or an external provider.
    :raises DataInvalid: for no role, an unknown role or group, or a change that locks the actor out.
    """
    user = account(username)
    if user.source != "local":
        raise Conflict("Esta cuenta viene del directorio de personal: sus roles y grupos se cambian allí.")
    wanted_roles, wanted_groups = sorted(set(roles)), sorted(set(groups))
    problems = _problems(user, wanted_roles, wanted_groups, active, actor, set(allowed_groups))
    if problems:
        raise DataInvalid("Revise los datos de la cuenta.", errors=problems)
    before = {"roles": sorted(user.role_set), "groups": user.group_names, "active": user.active}
    user.roles = " ".join(wanted_roles)
    user.groups = [ensure_group(g, g.replace("_", " ").capitalize()) for g in wanted_groups]
    was_active, user.active = user.active, active
    db.session.flush()
    if was_active and not active:
        sessions.revoke_all(user.id)
    after = {"roles": wanted_roles, "groups": wanted_groups, "active": active}
    if after != before:
        audit.record("account_changed", actor.username, data={"username": user.username, "before": before,
                                                              "after": after})
    return user


def create_account(*, username: str, display_name: str, email: str, roles: Iterable[str], groups: Iterable[str],
                   actor: User, allowed_groups: Iterable[str]) -> User:
    """Create a local account without a password (flushes, never commits); audited as ``account_created``.

    Nobody but its owner ever knows its password: the caller sends them a link to choose it.

    :raises DataInvalid: with every problem at once (field ``username``, ``display_name``,
        ``email``, ``roles`` or ``groups``): a malformed or taken user name or e-mail, no name,
        no role or an unknown one, a group not in ``allowed_groups``.
    """
    name, title, address = username.strip().lower(), " ".join(display_name.split()), normalize_email(email)
    wanted_roles, wanted_groups = sorted(set(roles)), sorted(set(groups))
    problems = _new_account_problems(name, title, email, address)
    if not wanted_roles or set(wanted_roles) - set(ROLES):
        problems.append({"field": "roles", "message": "Elija al menos un rol de la lista."})
    if set(wanted_groups) - set(allowed_groups):
        problems.append({"field": "groups", "message": "Elija grupos de la lista."})
    if problems:
        raise DataInvalid("Revise los datos de la cuenta.", errors=problems)
    user = User(username=name, display_name=title, email=address, password_hash=None, source="local",
                roles=" ".join(wanted_roles), groups=[ensure_group(g) for g in wanted_groups])
    db.session.add(user)
    db.session.flush()
    audit.record("account_created", actor.username, data={"username": name, "roles": wanted_roles,
                                                           "groups": wanted_groups, "active": True})
    return user


def awaiting_password(username: str, actor: User) -> User:
    """A local account whose owner has not chosen a password yet, to send them the link again
    (audited as ``account_link_sent``; flushes, never commits).

    :raises NotFound: for an unknown account.
    :raises Conflict: for an account of the directory, an inactive one, one without e-mail, or
        one that has a password already (its owner uses «¿Olvidó su contraseña?»).
    """
    user = account(username)
    if user.source != "local" or not user.active or not user.email or user.password_hash:
        raise Conflict("Esta cuenta no espera un enlace para elegir su contraseña: ya la eligió, está inactiva, "
                       "no tiene correo o viene del directorio de personal.")
    audit.record("account_link_sent", actor.username, data={"username": user.username})
    return user


def _new_account_problems(name: str, title: str, email: str, address: str | None) -> list[dict[str, str]]:
    problems = []
    if not USERNAME.fullmatch(name) or name in RESERVED_NAMES:
        problems.append({"field": "username", "message": "Escriba un nombre de usuario de 2 a 64 caracteres: "
                                                         "letras minúsculas sin acentos, números, puntos o guiones."})
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == name)) is not None:
        problems.append({"field": "username", "message": "Ya existe una cuenta con ese nombre de usuario."})
    if not title or len(title) > MAX_NAME:
        problems.append({"field": "display_name", "message": "Escriba el nombre y apellido (hasta 200 caracteres)."})
    if address is None:
        problems.append({"field": "email", "message": "Escriba un correo electrónico válido, por ejemplo "
                                                      "nombre@smt.gob.ar." if email.strip() else
                                                      "Escriba el correo: allí le llega el enlace para elegir "
                                                      "su contraseña."})
    elif db.session.scalar(select(User.id).where(func.lower(User.email) == address)) is not None:
        problems.append({"field": "email", "message": "Ese correo ya es de otra cuenta."})
    return problems


def _problems(user: User, roles: list[str], groups: list[str], active: bool, actor: User,
              allowed_groups: set[str]) -> list[dict[str, str]]:
    problems = []
    if not roles or set(roles) - set(ROLES):
        problems.append({"field": "roles", "message": "Elija al menos un rol de la lista."})
    if set(groups) - allowed_groups:
        problems.append({"field": "groups", "message": "Elija grupos de la lista."})
    if user.id == actor.id and ("admin" not in roles or not active):
        problems.append({"field": "roles",
                         "message": "No puede quitarse la administración ni desactivar su propia cuenta."})
    return problems


@dataclass(frozen=True)
class TokenRow:
    """An API token as the administration lists it (never its secret, which is not stored)."""

    name: str
    scopes: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def token_rows() -> list[TokenRow]:
    """Every API token, live ones first, with its last use (to the minute)."""
    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name))
    return [TokenRow(t.name, t.scopes, t.created_at, t.revoked_at, t.last_used_at) for t in tokens]


def token(name: str) -> ApiToken:
    """The token named ``name``.

    :raises NotFound: when there is none.
    """
    found = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if found is None:
        raise NotFound("El token no existe.")
    return found
