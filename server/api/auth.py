"""Bearer-token authentication of the caller, and the request's database session."""

from __future__ import annotations

from collections.abc import Collection

from flask import g, request
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.app_services import services
from server.domain.actors import Actor
from server.domain.errors import Forbidden, Unauthenticated

BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def db() -> Session:
    return services().sessions()


def autocommit_db() -> Connection:
    """A connection whose statements commit as they run; closed when the request ends."""
    connection = services().autocommit_engine.connect()
    g.autocommit_connection = connection
    return connection


def current_actor() -> Actor:
    return g.actor


def authenticate(roles: Collection[str] = ()) -> Actor:
    """The caller (then current_actor()); 401 without a valid token, 403 when `roles` are given
    and the caller's is not among them. Views get this from server.api.blueprint.Blueprint."""
    g.actor = _authenticate()
    if roles and g.actor.role not in roles:
        raise Forbidden("FORBIDDEN")
    return g.actor


def _authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("TOKEN_MISSING")
    return services().tokens.read(token.strip())
