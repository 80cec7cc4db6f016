"""Bearer-token authentication of the caller, and the request's database session."""

from __future__ import annotations

from collections.abc import Callable, Collection

from flask import g, request
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.app_services import services
from server.domain.actors import ACCOUNT_ROLES, Actor
from server.domain.errors import Forbidden, Unauthenticated
from server.domain.identity import TokenClaims, token_kind

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


def authenticate(roles: Collection[str] = ACCOUNT_ROLES) -> Actor:
    """The caller (then current_actor()); 401 without a valid token or when its session ended,
    403 when the token is of another kind than `roles` admit (an account's or a phone's) or the
    caller's role is not among them. Views get this from server.api.blueprint.Blueprint.

    Kind and role first: a caller refused anyway costs no Redis lookup."""
    claims = _claims()
    if claims.kind not in {token_kind(role) for role in roles}:
        raise Forbidden("FORBIDDEN")
    if claims.actor.role not in roles:
        raise Forbidden("FORBIDDEN")
    services().login_sessions.check(claims)
    g.token_claims = claims
    g.actor = claims.actor
    return claims.actor


def session_alive() -> Callable[[], bool]:
    """For an answer that outlives its request (an event stream): a callable telling whether
    this request's login session still stands (a logout ends such a stream at its next wake)."""
    claims: TokenClaims = g.token_claims
    registry = services().login_sessions

    def alive() -> bool:
        try:
            registry.check(claims)
        except Unauthenticated:
            return False
        return True

    return alive


def _claims() -> TokenClaims:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("TOKEN_MISSING")
    return services().tokens.read(token.strip())
