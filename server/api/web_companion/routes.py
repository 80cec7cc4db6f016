"""The web companion (FAQ 21, 22 outside WeChat): the page a plain QR code opens in any phone
browser, and its one-step pairing (a phone session and the code's pairing together)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from server.api.auth import db
from server.api.blueprint import Blueprint as ApiBlueprint
from server.api.web_companion.schemas import WebPairingRequestSchema, WebPairingSchema
from server.app_services import client_address, services
from server.domain import companion
from server.domain.actors import Actor, Role
from server.domain.errors import DomainError
from server.domain.identity import token_kind
from server.web.routes import CONTENT_SECURITY_POLICY

blp = ApiBlueprint(
    "web_companion", __name__, description="网页版手机伴侣（微信外扫码）", public=True
)
page_blp = Blueprint("web_companion_page", __name__)  # outside /api/v1: the phone's page


@page_blp.after_request
def _page_headers(response):
    # The scene in the address is the code's one-time secret: never sent on, never cached.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@page_blp.get("/m/", defaults={"scene": None})
@page_blp.get("/m/<path:scene>")
def scan_landing(scene):
    """What a plain QR code opens outside WeChat: the web companion, or, where the school
    requires WeChat, a page saying to scan with WeChat (inside WeChat the mini program opens)."""
    if not services().settings.WEB_COMPANION_ENABLED:
        return render_template("m/wechat.html")
    return render_template("m/index.html")


def _known_phone_id() -> int | None:
    """The web phone this browser already is: a valid, unended phone token it sent, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    app = services()
    try:
        claims = app.tokens.read(token.strip())
        if claims.kind != token_kind(Role.PHONE) or claims.actor.role != Role.PHONE:
            return None
        app.login_sessions.check(claims)
    except DomainError:  # expired, ended or foreign: this browser starts as a new phone
        return None
    return claims.actor.user_id


@blp.route("/pairings/web", methods=["POST"])
@blp.arguments(WebPairingRequestSchema)
@blp.response(200, WebPairingSchema)
def pair_web_phone(payload):
    """Redeem a scanned code from a phone browser: a web phone session and the pairing at once."""
    app = services()
    settings = app.settings
    paired = companion.pair_web_phone(
        db(),
        payload["scene"],
        app.pairing_policy,
        companion.WebCompanionPolicy(
            enabled=settings.WEB_COMPANION_ENABLED,
            limiter=app.upload_quotas.limiter,  # the app's one Redis rate limiter
            limit=settings.LOGIN_ADDRESS_LIMIT,
        ),
        client_address(),
        _known_phone_id(),
        app.events,
    )
    app.issued_codes.forget(payload["scene"])  # the desktop's next request gets a fresh code
    phone, pairing = paired.phone, paired.pairing
    token = app.tokens.issue(Actor(user_id=phone.id, role=Role.PHONE, school_id=None))
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": app.tokens.ttl_seconds,
        "phone_id": phone.id,
        "id": pairing.id,
        "attempt_id": pairing.attempt_id,
        "position": pairing.position,
        "purpose": pairing.purpose,
        "redeemed_at": pairing.redeemed_at,
    }
