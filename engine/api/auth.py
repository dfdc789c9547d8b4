"""Bearer-token authentication and scope checks for the REST API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request

from engine import tokens
from engine.errors import EngineError
from engine.worklist import Actor

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorized(EngineError):
    status = 401
    title = "No autenticado"


class ScopeMissing(EngineError):
    status = 403
    title = "Alcance insuficiente"


def current_actor() -> Actor:
    """The service account of the token that authenticated this request."""
    token = g.api_token
    scopes = set(token.scopes.split())
    return Actor(name=f"api:{token.name}", admin="admin" in scopes)


def requires(scope: str) -> Callable[[F], F]:
    """Refuse the request unless it carries a live token with ``scope`` (or ``admin``)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            kind, _, secret = header.partition(" ")
            token = tokens.authenticate(secret.strip()) if kind.lower() == "bearer" else None
            if token is None:
                raise Unauthorized("Falta un token válido en la cabecera Authorization: Bearer …")
            granted = set(token.scopes.split())
            if scope not in granted and "admin" not in granted:
                raise ScopeMissing(f"El token no tiene el alcance «{scope}».")
            g.api_token = token
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
