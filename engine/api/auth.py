"""Bearer-token authentication and scope checks for the REST API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from engine.errors import EngineError
from engine.identity import tokens
from engine.workflow.human_tasks import Actor

F = TypeVar("F", bound=Callable[..., Any])
CACHE_KEY = "tramites.api_tokens"


class Unauthorized(EngineError):
    status = 401
    title = "No autenticado"


class ScopeMissing(EngineError):
    status = 403
    title = "Alcance insuficiente"


def current_actor() -> Actor:
    """The service account of the token that authenticated this request."""
    grant: tokens.Grant = g.api_token
    return Actor(name=tokens.actor_name(grant.name), admin="admin" in grant.scopes)


def current_scopes() -> frozenset[str]:
    """The scopes of the token that authenticated this request."""
    grant: tokens.Grant = g.api_token
    return frozenset(grant.scopes)


def _token_cache() -> tokens.TokenCache:
    """The app's cache of live tokens (a revoked token stops working within seconds)."""
    cache: tokens.TokenCache | None = current_app.extensions.get(CACHE_KEY)
    if cache is None:
        cache = current_app.extensions.setdefault(CACHE_KEY, tokens.TokenCache())
    return cache


def forget_cached_tokens() -> None:
    """Drop this process's cache of live tokens, so a token revoked here stops working at once
    (other processes follow within the cache's few seconds)."""
    current_app.extensions.pop(CACHE_KEY, None)


def requires(scope: str, *alternatives: str) -> Callable[[F], F]:
    """Refuse the request unless it carries a live token with ``scope``, one of the ``alternatives``, or ``admin``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            kind, _, secret = header.partition(" ")
            grant = _token_cache().authenticate(secret.strip()) if kind.lower() == "bearer" else None
            if grant is None:
                raise Unauthorized("Falta un token válido en la cabecera Authorization: Bearer …")
            if not {scope, *alternatives, "admin"} & set(grant.scopes):
                raise ScopeMissing("El token no tiene el alcance " + " ni ".join(
                    f"«{name}»" for name in (scope, *alternatives)) + ".")
            g.api_token = grant
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
