"""The web companion (FAQ 21, 22 outside WeChat): a phone browser that opened a plain QR code's
link (<PUBLIC_BASE_URL>/m/<scene>) becomes a phone and redeems the code in one step.

A web phone is a `Phone` row like a WeChat one, told apart by its openid: "web:" and 32 random
hex characters (WeChat openids are 28 characters of base64 and never hold a colon), so no
migration is needed and the two kinds can never collide. Its session is an ordinary phone token.

The scene stays the one-time secret: nothing is created for a scene that cannot be redeemed
(forged, unknown, used by another phone, expired, ended, or its attempt handed in). A browser
that still holds its web phone's token is that phone again when it scans its next code, so
"one phone serves one candidate per exam" (PHONE_IN_USE) holds for it as for the mini program.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from server.domain import events
from server.domain.clock import utcnow
from server.domain.companion.models import Pairing, Phone
from server.domain.companion.pairing import claim, redeemable
from server.domain.companion.scenes import PairingPolicy
from server.domain.errors import Forbidden, RateLimited
from server.domain.photos import RateLimiter

WEB_OPENID_PREFIX = "web:"


@dataclass(frozen=True)
class WebCompanionPolicy:
    enabled: bool  # WEB_COMPANION_ENABLED: off where a school requires WeChat
    limiter: RateLimiter
    # Scans per client address: a whole exam room may share one school NAT address.
    limit: str


@dataclass(frozen=True)
class WebPairing:
    phone: Phone
    pairing: Pairing


def is_web_phone(phone: Phone) -> bool:
    return phone.openid.startswith(WEB_OPENID_PREFIX)


def pair_web_phone(
    session: Session,
    scene: str,
    policy: PairingPolicy,
    web: WebCompanionPolicy,
    client_address: str,
    known_phone_id: int | None,
    publisher: events.EventPublisher | None,
    now: datetime | None = None,
) -> WebPairing:
    """Redeem `scene` for the browser's web phone (`known_phone_id`, from the token it still
    holds) or for a new one, made only once the scene proved redeemable, in the same
    transaction as the pairing."""
    if not web.enabled:
        raise Forbidden("WEB_COMPANION_DISABLED")
    wait = web.limiter.hit(web.limit, f"web-pairing:{client_address}")
    if wait is not None:
        raise RateLimited("RATE_LIMITED", retry_after=math.ceil(wait))
    now = now or utcnow()
    phone = session.get(Phone, known_phone_id) if known_phone_id is not None else None
    if phone is not None and not is_web_phone(phone):
        phone = None  # a mini program's token does not make this browser that phone
    pairing = redeemable(session, scene, policy, phone.id if phone else None, now)
    if phone is None:
        phone = Phone(
            openid=WEB_OPENID_PREFIX + secrets.token_hex(16), created_at=now, last_login_at=now
        )
        session.add(phone)
        session.flush()  # its id, inside the transaction that holds the pairing's row lock
    else:
        phone.last_login_at = now
    return WebPairing(phone=phone, pairing=claim(session, pairing, phone.id, publisher, now))
