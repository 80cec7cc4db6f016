"""Bearer-token authentication for views, and the request's database session."""

from __future__ import annotations

from functools import wraps

from flask import g, request
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.domain.actors import Actor
from server.domain.errors import Forbidden, Unauthenticated
from server.extensions import services

BEARER_SECURITY = [{"bearerAuth": []}]


def db() -> Session:
    return services().sessions()


def autocommit_db() -> Connection:
    """A connection whose statements commit as they run; closed when the request ends."""
    connection = services().autocommit_engine.connect()
    g.autocommit_connection = connection
    return connection


def current_actor() -> Actor:
    return g.actor


def auth_required(*roles: str):
    """Reject requests without a valid token, or whose role is not among `roles` (when given)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.actor = _authenticate()
            if roles and g.actor.role not in roles:
                raise Forbidden("FORBIDDEN")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("TOKEN_MISSING")
    return services().tokens.read(token.strip())
