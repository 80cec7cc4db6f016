"""Signed, expiring access tokens carrying the actor, of two distinct kinds.

An account token (a person's login: admin, teacher, candidate) and a phone token (the mini
program's session from /auth/wechat) differ in their signed `k` claim, and a token whose kind
does not match its role is invalid: a phone's id can never be read as an account's. Each token
also names its login session (`j`) and the account's session generation when it was issued
(`g`), which server.domain.identity.sessions checks on every request.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from threading import Lock
from typing import Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.domain.actors import Actor, Role
from server.domain.errors import Unauthenticated


class TokenKind(StrEnum):
    ACCOUNT = "account"
    PHONE = "phone"


def token_kind(role: str) -> TokenKind:
    """The kind of token a role signs in with."""
    return TokenKind.PHONE if role == Role.PHONE else TokenKind.ACCOUNT


@dataclass(frozen=True)
class TokenClaims:
    actor: Actor
    kind: TokenKind
    # The account's session generation when the token was issued (see sessions.py).
    generation: int
    issued_at: int


class Generations(Protocol):
    """Where a new session learns its account's current generation (SessionRegistry)."""

    def for_new_session(self, actor: Actor) -> int: ...


class TokenService:
    """Every autosave carries a token: verified ones are remembered (with their issue time, so
    they still expire on time) to spare the signature check on each request."""

    CACHE_SIZE = 100_000

    def __init__(
        self,
        secret_key: str,
        ttl_seconds: int,
        generations: Generations | None = None,
        salt: str = "access-token",
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=salt)
        self.ttl_seconds = ttl_seconds
        self._generations = generations
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()
        self._lock = Lock()

    def issue(self, actor: Actor) -> str:
        """A token for a new login session (its own id, so attempts know which computer answers
        and a logout ends only this one)."""
        session_id = actor.session_id or secrets.token_urlsafe(12)
        generation = self._generations.for_new_session(actor) if self._generations else 0
        return self._serializer.dumps(
            {
                "k": token_kind(actor.role).value,
                "u": actor.user_id,
                "r": actor.role,
                "s": actor.school_id,
                "j": session_id,
                "g": generation,
            }
        )

    def read(self, token: str) -> TokenClaims:
        """The token's claims; 401 when it is forged, expired or of no known kind. Whether its
        session was ended is the SessionRegistry's question."""
        with self._lock:
            known = self._verified.get(token)
        if known is not None:
            if time.time() - known.issued_at > self.ttl_seconds:
                raise Unauthenticated("TOKEN_EXPIRED")
            return known
        claims = self._verify(token)
        with self._lock:
            self._verified[token] = claims
            if len(self._verified) > self.CACHE_SIZE:
                self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str) -> TokenClaims:
        try:
            payload, issued = self._serializer.loads(
                token, max_age=self.ttl_seconds, return_timestamp=True
            )
        except SignatureExpired as exc:
            raise Unauthenticated("TOKEN_EXPIRED") from exc
        except BadSignature as exc:
            raise Unauthenticated("TOKEN_INVALID") from exc
        try:
            kind = TokenKind(payload["k"])
            actor = Actor(
                user_id=int(payload["u"]),
                role=Role(payload["r"]),
                school_id=payload["s"],
                session_id=str(payload["j"]),
            )
            generation = int(payload["g"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Unauthenticated("TOKEN_INVALID") from exc
        if kind != token_kind(actor.role) or not actor.session_id:
            raise Unauthenticated("TOKEN_INVALID")
        return TokenClaims(
            actor=actor, kind=kind, generation=generation, issued_at=int(issued.timestamp())
        )
