"""The phone companion (FAQ 21, 22): per-question QR codes, pairing a phone, its uploads.

A QR code carries a scene: 20 random characters and a 12-character signature, bound in the
database to (attempt, question, purpose), short-lived and redeemable once. The signature lets a
forged or mistyped scene be refused without a database read; the row makes it single-use.

Issuing codes is on the exam-start hot path (every candidate may ask in the same minute): a
re-request of a still-valid code is answered from this process's memory, a fresh one costs one
prepared statement on an autocommit connection (PostgreSQL; three on SQLite).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.wechat import WeChat, WeChatError
from server.domain import events
from server.domain.actors import Actor, Role
from server.domain.clock import utcnow
from server.domain.companion.models import (
    Pairing,
    PairingPurpose,
    Phone,
)
from server.domain.companion.scenes import PairingPolicy, scene_is_genuine
from server.domain.companion.wechat_errors import wechat_error
from server.domain.errors import (
    Conflict,
    Gone,
    NotFound,
    Unavailable,
)
from server.domain.events import EventType
from server.domain.exams import (
    Attempt,
    AttemptStatus,
)

# --- the phone ---


def phone_login(
    session: Session, openid: str, unionid: str | None, now: datetime | None = None
) -> Phone:
    """The phone behind a WeChat login (created on first sight)."""
    now = now or utcnow()
    phone = session.scalar(select(Phone).where(Phone.openid == openid))
    if phone is None:
        phone = Phone(openid=openid, unionid=unionid, created_at=now, last_login_at=now)
        session.add(phone)
    else:
        phone.last_login_at = now
        phone.unionid = unionid or phone.unionid
    session.commit()
    return phone


def redeem(
    session: Session,
    actor: Actor,
    scene: str,
    policy: PairingPolicy,
    publisher: events.EventPublisher | None,
    now: datetime | None = None,
) -> Pairing:
    """Pair this phone with the code's attempt and question. The same phone may scan its code
    again; another phone gets PAIRING_USED, a late one PAIRING_EXPIRED."""
    actor.require_role(Role.PHONE)
    now = now or utcnow()
    pairing = redeemable(session, scene, policy, actor.user_id, now)
    return claim(session, pairing, actor.user_id, publisher, now)


def redeemable(
    session: Session, scene: str, policy: PairingPolicy, phone_id: int | None, now: datetime
) -> Pairing:
    """The code's pairing, locked, if the phone `phone_id` may redeem it (None: a phone not made
    yet, which only a fresh code admits); else the error a scan of it answers."""
    if not scene_is_genuine(policy.secret, scene):
        raise NotFound("PAIRING_NOT_FOUND")
    pairing = session.scalar(select(Pairing).where(Pairing.scene == scene).with_for_update())
    if pairing is None:
        raise NotFound("PAIRING_NOT_FOUND")
    if pairing.ended_at is not None:  # unpaired: scanning its code again does not revive it
        raise Gone("PAIRING_ENDED")
    if pairing.redeemed_at is not None:
        if phone_id is not None and pairing.phone_id == phone_id:
            return pairing
        raise Conflict("PAIRING_USED")
    if pairing.expires_at <= now:
        raise Gone("PAIRING_EXPIRED")
    attempt = session.get_one(Attempt, pairing.attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    if phone_id is None:  # a new phone has served nobody yet
        return pairing
    # One phone serves one candidate per exam: it cannot photograph two people's answers.
    other = session.scalar(
        select(Pairing.id)
        .where(
            Pairing.phone_id == phone_id,
            Pairing.exam_id == pairing.exam_id,
            Pairing.student_id != pairing.student_id,
        )
        .limit(1)
    )
    if other is not None:
        raise Conflict("PHONE_IN_USE")
    return pairing


def claim(
    session: Session,
    pairing: Pairing,
    phone_id: int,
    publisher: events.EventPublisher | None,
    now: datetime,
) -> Pairing:
    """Bind a pairing that `redeemable` admitted to the phone, commit, and tell the desktop
    (paired); a re-scan by its own phone changes nothing."""
    if pairing.redeemed_at is not None:
        session.commit()
        return pairing
    pairing.phone_id, pairing.redeemed_at = phone_id, now
    if pairing.purpose == PairingPurpose.SECOND_CAMERA:
        pairing.last_snapshot_at = now  # the grace period starts now
    session.commit()
    if publisher is not None:
        publisher.publish(
            pairing.attempt_id,
            EventType.PAIRED,
            {"pairing_id": pairing.id, "n": pairing.position, "purpose": pairing.purpose},
        )
    return pairing


def _phone_pairing(
    session: Session, actor: Actor, pairing_id: int, purpose: str
) -> tuple[Pairing, Attempt]:
    """This phone's pairing, for an attempt still open: upload rights last until it ends."""
    actor.require_role(Role.PHONE)
    pairing = session.get(Pairing, pairing_id)
    if pairing is None or pairing.phone_id != actor.user_id:
        raise NotFound("PAIRING_NOT_FOUND")
    if pairing.ended_at is not None:
        raise Gone("PAIRING_ENDED")
    if pairing.purpose != purpose:
        raise Conflict("PAIRING_WRONG_PURPOSE", purpose=pairing.purpose)
    attempt = session.get_one(Attempt, pairing.attempt_id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    return pairing, attempt


def end_pairing(
    session: Session,
    actor: Actor,
    pairing_id: int,
    publisher: events.EventPublisher | None,
    now: datetime | None = None,
) -> Pairing:
    """Unpair: the phone that holds the pairing, or the candidate whose attempt it serves, ends
    it; its uploads and snapshots are refused from then on (PAIRING_ENDED), and the desktop is
    told (unpaired). Ending an ended pairing changes nothing; anyone else's is PAIRING_NOT_FOUND.
    The candidate may also end a code nobody scanned yet. A second camera ended during the exam
    is still flagged by the sweep once its silence outlasts the grace period: unpairing is not
    a way out of being watched."""
    actor.require_role(Role.PHONE, Role.CANDIDATE)
    pairing = session.get(Pairing, pairing_id, with_for_update=True)
    if pairing is None or actor.user_id != (
        pairing.phone_id if actor.role == Role.PHONE else pairing.student_id
    ):
        session.rollback()
        raise NotFound("PAIRING_NOT_FOUND")
    if pairing.ended_at is not None:
        session.commit()
        return pairing
    pairing.ended_at = now or utcnow()
    session.commit()
    if publisher is not None and pairing.redeemed_at is not None:
        publisher.publish(
            pairing.attempt_id,
            EventType.UNPAIRED,
            {
                "pairing_id": pairing.id,
                "n": pairing.position,
                "purpose": pairing.purpose,
                "by": actor.role,
            },
        )
    return pairing


# --- WeChat login of the mini program ---


def wechat_login(session: Session, wechat: WeChat | None, code: str) -> Phone:
    """wx.login's code → code2session → the phone (WECHAT_NOT_CONFIGURED without credentials)."""
    if wechat is None:
        raise Unavailable("WECHAT_NOT_CONFIGURED")
    try:
        result = wechat.code_to_session(code)
    except WeChatError as error:
        raise wechat_error(error) from None
    return phone_login(session, result.openid, result.unionid)
