"""Who may open a page: markers put on view functions, and the rule that reads them.

The markers only annotate the function (no wrapping, no Flask), so both fronts can use them
without importing each other; the front's security layer reads them before every request.
An administrator may open every page; an unmarked page of a front needs a signed-in user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from engine.identity.accounts import ROLES

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "_tramites_access"
CSRF_EXEMPT = "_tramites_csrf_exempt"
ADMIN = "admin"


@dataclass(frozen=True)
class Access:
    """A page's rule: open to everyone, to any signed-in user, or to some roles (and groups)."""

    public: bool = False
    roles: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()  # when set, one of them is needed too


def _mark(view: F, access: Access) -> F:
    setattr(view, ATTRIBUTE, access)
    return view


def public(view: F) -> F:
    """Mark a page as open to everyone, signed in or not."""
    return _mark(view, Access(public=True))


def login_required(view: F) -> F:
    """Mark a page as open to any signed-in user."""
    return _mark(view, Access())


def roles_required(*roles: str, groups: Iterable[str] = ()) -> Callable[[F], F]:
    """Mark a page as open to users with at least one of ``roles`` (and to administrators);
    with ``groups``, only to the members of one of them (administrators: always).

    :raises ValueError: for a role the platform does not know (caught at import time).
    """
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown)) or '(none)'}")

    def mark(view: F) -> F:
        return _mark(view, Access(roles=frozenset(roles), groups=frozenset(groups)))

    return mark


def csrf_exempt(view: F) -> F:
    """Mark a view whose POST changes nothing (e.g. checking an uploaded certificate), so that
    clients without a session may post to it; never for a view that changes state."""
    setattr(view, CSRF_EXEMPT, True)
    return view


def is_csrf_exempt(view: Callable[..., Any] | None) -> bool:
    """Tell whether a view was marked with :func:`csrf_exempt`."""
    return getattr(view, CSRF_EXEMPT, False) is True


def access_of(view: Callable[..., Any] | None) -> Access:
    """The rule marked on a view; an unmarked view needs a signed-in user."""
    found = getattr(view, ATTRIBUTE, None)
    return found if isinstance(found, Access) else Access()


def is_marked(view: Callable[..., Any] | None) -> bool:
    """Tell whether a view carries an explicit rule (a test checks every page does)."""
    return isinstance(getattr(view, ATTRIBUTE, None), Access)


def allows(access: Access, roles: Iterable[str] | None, groups: Iterable[str] = ()) -> bool:
    """Tell whether someone with ``roles`` (``None``: not signed in) and ``groups`` may open the page."""
    if access.public:
        return True
    if roles is None:
        return False
    held = set(roles)
    if ADMIN in held:
        return True
    return (not access.roles or bool(held & access.roles)) and (not access.groups or bool(access.groups & set(groups)))
