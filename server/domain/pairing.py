"""The phone companion (FAQ 21, 22): per-question QR codes, pairing a phone, its uploads.

A QR code carries a scene: 20 random characters and a 12-character signature, bound in the
database to (attempt, question, purpose), short-lived and redeemable once. The signature lets a
forged or mistyped scene be refused without a database read; the row makes it single-use.

Issuing codes is on the exam-start hot path (every candidate may ask in the same minute): a
re-request of a still-valid code is answered from this process's memory, a fresh one costs one
prepared statement on an autocommit connection (PostgreSQL; three on SQLite).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from threading import Lock

from psycopg.rows import namedtuple_row
from sqlalchemy import and_, bindparam, exists, insert, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.adapters.storage import Storage
from server.adapters.wechat import WeChat, WeChatError
from server.domain import events, jobs, photos, proctoring
from server.domain.actors import Actor
from server.domain.answering import PHOTO_QUESTION_TYPES
from server.domain.clock import utcnow
from server.domain.error_catalogue import CATALOGUE
from server.domain.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    Unsupported,
)
from server.domain.models import (
    ANSWER_PHOTO_PROCESSING,
    ANSWER_PHOTO_READY,
    ANSWER_PHOTO_REJECTED,
    ANSWER_PHOTO_REMOVED,
    ATTEMPT_IN_PROGRESS,
    PURPOSE_ANSWER_PHOTO,
    PURPOSE_SECOND_CAMERA,
    ROLE_CANDIDATE,
    ROLE_PHONE,
    SNAPSHOT_PHONE,
    AnswerPhoto,
    Attempt,
    AttemptQuestion,
    Pairing,
    Phone,
    Question,
)

RANDOM_CHARS = 20  # token_urlsafe(15): 120 bits
SIGNATURE_CHARS = 12  # 72 bits of HMAC-SHA256
SCENE_LENGTH = RANDOM_CHARS + SIGNATURE_CHARS  # WeChat allows 32


@dataclass(frozen=True)
class PairingPolicy:
    secret: bytes
    ttl: timedelta  # how long a code can be redeemed
    reuse_if_left: timedelta = timedelta(minutes=1)  # a re-request returns the same code until then
    second_camera_grace: timedelta = timedelta(seconds=60)


def pairing_policy(settings) -> PairingPolicy:
    """From server.config.Settings (the web app and the workers build the same one)."""
    return PairingPolicy(secret=settings.secret_key.encode(), ttl=timedelta(seconds=settings.PAIRING_TTL_SECONDS),
                         second_camera_grace=timedelta(seconds=settings.SECOND_CAMERA_GRACE_SECONDS))


def make_scene(secret: bytes) -> str:
    token = secrets.token_urlsafe(15)
    return token + _signature(secret, token)


def scene_is_genuine(secret: bytes, scene: str) -> bool:
    if not isinstance(scene, str) or len(scene) != SCENE_LENGTH:
        return False
    token, signature = scene[:RANDOM_CHARS], scene[RANDOM_CHARS:]
    return hmac.compare_digest(_signature(secret, token), signature)


def _signature(secret: bytes, token: str) -> str:
    digest = hmac.new(secret, b"pairing-scene:" + token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


# --- issuing codes (the desktop) ---


@dataclass(frozen=True)
class IssuedCode:
    pairing_id: int
    scene: str
    attempt_id: int
    n: int
    purpose: str
    expires_at: datetime


class IssuedCodes:
    """This process's memory of the codes it handed out, per (login session, attempt, question,
    purpose): a re-request is answered without the database while the code has time left.
    A code redeemed through this process is forgotten at once; one redeemed through another
    process may still be shown until it expires, and a second phone scanning it is refused
    (PAIRING_USED) -- the phone that redeemed it already has its upload rights.

    It also keeps the API's answer for the most recently used codes (the JSON the view made
    the first time): a code's answer never changes, so a re-request is sent those bytes again.
    Bounded in bytes: 4 MB is ~3,400 plain codes (~1.2 KB each) or ~70 WeChat codes (tens of
    KB). An answer goes when its code is replaced, forgotten or dropped."""

    def __init__(self, size: int = 50_000, answer_bytes: int = 4 * 1024 * 1024) -> None:
        self._size = size
        self._items: OrderedDict[tuple, IssuedCode] = OrderedDict()
        self._keys: dict[str, tuple] = {}  # scene -> key
        self._answer_bytes = answer_bytes
        self._answers: OrderedDict[str, bytes] = OrderedDict()  # scene -> answer, least recent first
        self._answers_total = 0
        self._lock = Lock()

    def get(self, key: tuple, usable_after: datetime) -> IssuedCode | None:
        with self._lock:
            code = self._items.get(key)
        return code if code is not None and code.expires_at > usable_after else None

    def put(self, key: tuple, code: IssuedCode) -> None:
        with self._lock:
            replaced = self._items.get(key)
            if replaced is not None:
                self._keys.pop(replaced.scene, None)
                if replaced.scene != code.scene:
                    self._drop_answer(replaced.scene)
            self._items[key] = code
            self._items.move_to_end(key)
            self._keys[code.scene] = key
            if len(self._items) > self._size:
                _, dropped = self._items.popitem(last=False)
                self._keys.pop(dropped.scene, None)
                self._drop_answer(dropped.scene)

    def forget(self, scene: str) -> None:
        with self._lock:
            key = self._keys.pop(scene, None)
            if key is not None:
                self._items.pop(key, None)
            self._drop_answer(scene)

    def answer(self, scene: str) -> bytes | None:
        """The answer kept for this code, if any."""
        with self._lock:
            body = self._answers.get(scene)
            if body is not None:
                self._answers.move_to_end(scene)
            return body

    def keep_answer(self, scene: str, body: bytes) -> None:
        """Keep the answer for a code this memory holds (not one forgotten meanwhile)."""
        with self._lock:
            if scene not in self._keys or len(body) > self._answer_bytes:
                return
            self._drop_answer(scene)
            self._answers[scene] = body
            self._answers_total += len(body)
            while self._answers_total > self._answer_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._answers_total -= len(dropped)

    def _drop_answer(self, scene: str) -> None:  # with the lock held
        body = self._answers.pop(scene, None)
        if body is not None:
            self._answers_total -= len(body)


_attempts = Attempt.__table__
_pairings = Pairing.__table__
_slots = AttemptQuestion.__table__
_questions = Question.__table__

# The attempt, if it is this candidate's, open, on this computer, with question n; and n's type.
_OPEN_SLOT = (
    select(_attempts.c.school_id, _attempts.c.exam_id, _attempts.c.status, _attempts.c.active_session,
           _attempts.c.deadline, _attempts.c.submit_reason, _questions.c.type)
    .select_from(_attempts.outerjoin(_slots, and_(_slots.c.attempt_id == _attempts.c.id,
                                                  _slots.c.position == bindparam("n")))
                 .outerjoin(_questions, _questions.c.id == _slots.c.question_id))
    .where(_attempts.c.id == bindparam("attempt_id"), _attempts.c.student_id == bindparam("student_id"))
)
_VALID_CODE = (
    select(_pairings.c.id, _pairings.c.scene, _pairings.c.expires_at)
    .where(_pairings.c.attempt_id == bindparam("attempt_id"), _pairings.c.position == bindparam("n"),
           _pairings.c.purpose == bindparam("purpose"), _pairings.c.redeemed_at.is_(None),
           _pairings.c.expires_at > bindparam("usable_after", type_=_pairings.c.expires_at.type))
    .order_by(_pairings.c.expires_at.desc()).limit(1)
)
# PostgreSQL: the two reads above and the insert of a new code in one statement (one round trip).
# The insert happens only where the checks below would pass and no valid code exists; the row
# returned carries what the checks need, the valid code if there is one, else the new code's id.
_open_slot, _valid_code = _OPEN_SLOT.cte("slot"), _VALID_CODE.cte("valid_code")
_new_code = (
    insert(_pairings).from_select(
        ["scene", "school_id", "attempt_id", "exam_id", "student_id", "position", "purpose", "created_at",
         "expires_at"],
        select(bindparam("scene", type_=_pairings.c.scene.type), _open_slot.c.school_id,
               bindparam("attempt_id", type_=_pairings.c.attempt_id.type), _open_slot.c.exam_id,
               bindparam("student_id", type_=_pairings.c.student_id.type),
               bindparam("n", type_=_pairings.c.position.type), bindparam("purpose", type_=_pairings.c.purpose.type),
               bindparam("now", type_=_pairings.c.created_at.type),
               bindparam("expires_at", type_=_pairings.c.expires_at.type))
        .where(_open_slot.c.status == ATTEMPT_IN_PROGRESS,
               _open_slot.c.active_session.is_not_distinct_from(bindparam("session_id")),
               _open_slot.c.type.is_not(None),
               # Equalities, not IN: an IN list is re-rendered on every execution (SQLAlchemy's
               # "expanding" parameters), ~0.2 ms of a fresh code's CPU.
               or_(bindparam("purpose") != PURPOSE_ANSWER_PHOTO,
                   *(_open_slot.c.type == kind for kind in PHOTO_QUESTION_TYPES)),
               ~exists(select(_valid_code.c.id))))
    .returning(_pairings.c.id).cte("new_code")
)
_ISSUE_CODE = (
    select(_open_slot, _valid_code.c.id.label("valid_id"), _valid_code.c.scene.label("valid_scene"),
           _valid_code.c.expires_at.label("valid_expires_at"), _new_code.c.id.label("new_id"))
    .select_from(_open_slot.outerjoin(_valid_code, true()).outerjoin(_new_code, true()))
)


@lru_cache(maxsize=4)
def _issue_code_sql(dialect) -> tuple[str, dict]:
    """_ISSUE_CODE compiled once for `dialect` (psycopg): its SQL text and its constant
    parameters. Its bound values need no processing there (aware datetimes go as they are); the
    one datetime it reads back is made UTC by the caller."""
    compiled = _ISSUE_CODE.compile(dialect=dialect)
    return str(compiled), {name: value for name, value in compiled.params.items() if value is not None}


def issue_code(connection: Connection | Callable[[], Connection], actor: Actor, attempt_id: int, n: int,
               purpose: str, policy: PairingPolicy, cache: IssuedCodes, now: datetime | None = None) -> IssuedCode:
    """Question n's QR code for `purpose`: the still-valid one (over a minute left), else a new
    one. Switching question gets that question's code (FAQ 22).

    `connection` may be a function that opens one: it is called only when the database is
    needed, so a re-request answered from this process's memory checks out no connection. On
    PostgreSQL a new code costs one statement (_ISSUE_CODE); elsewhere (SQLite) three."""
    actor.require_role(ROLE_CANDIDATE)
    now = now or utcnow()
    usable_after = now + policy.reuse_if_left
    key = (actor.session_id, actor.user_id, attempt_id, n, purpose)
    cached = cache.get(key, usable_after)
    if cached is not None:
        return cached
    if callable(connection):
        connection = connection()
    one_statement = connection.dialect.driver == "psycopg"
    if one_statement:
        scene, expires_at = make_scene(policy.secret), now + policy.ttl
        sql, defaults = _issue_code_sql(connection.dialect)
        # Straight to psycopg (a prepared statement): SQLAlchemy's per-execution work was a
        # fifth of a fresh code's CPU on the web worker.
        cursor = connection.connection.driver_connection.cursor(row_factory=namedtuple_row)
        with cursor:
            row = cursor.execute(sql, defaults | {
                "attempt_id": attempt_id, "student_id": actor.user_id, "n": n, "purpose": purpose,
                "usable_after": usable_after, "session_id": actor.session_id, "scene": scene, "now": now,
                "expires_at": expires_at}, prepare=True).fetchone()
    else:
        row = connection.execute(_OPEN_SLOT, {"attempt_id": attempt_id, "student_id": actor.user_id,
                                              "n": n}).first()
    if row is None:
        raise NotFound("NOT_FOUND")
    if row.status != ATTEMPT_IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=row.submit_reason)
    if row.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    if row.type is None:
        raise NotFound("QUESTION_NOT_FOUND")
    if purpose == PURPOSE_ANSWER_PHOTO and row.type not in PHOTO_QUESTION_TYPES:
        raise InvalidInput("QUESTION_TAKES_NO_PHOTO")
    if one_statement:
        if row.valid_id is not None:
            code = IssuedCode(row.valid_id, row.valid_scene, attempt_id, n, purpose,
                              row.valid_expires_at.astimezone(timezone.utc))
        else:
            code = IssuedCode(row.new_id, scene, attempt_id, n, purpose, expires_at)
        cache.put(key, code)
        return code
    existing = connection.execute(_VALID_CODE, {"attempt_id": attempt_id, "n": n, "purpose": purpose,
                                                "usable_after": usable_after}).first()
    if existing is not None:
        code = IssuedCode(existing.id, existing.scene, attempt_id, n, purpose, existing.expires_at)
    else:
        scene, expires_at = make_scene(policy.secret), now + policy.ttl
        pairing_id = connection.execute(insert(_pairings).values(
            scene=scene, school_id=row.school_id, attempt_id=attempt_id, exam_id=row.exam_id,
            student_id=actor.user_id, position=n, purpose=purpose, created_at=now, expires_at=expires_at,
        ).returning(_pairings.c.id)).scalar_one()
        code = IssuedCode(pairing_id, scene, attempt_id, n, purpose, expires_at)
    cache.put(key, code)
    return code


# --- the phone ---


def phone_login(session: Session, openid: str, unionid: str | None, now: datetime | None = None) -> Phone:
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


def redeem(session: Session, actor: Actor, scene: str, policy: PairingPolicy,
           publisher: events.EventPublisher | None, now: datetime | None = None) -> Pairing:
    """Pair this phone with the code's attempt and question. The same phone may scan its code
    again; another phone gets PAIRING_USED, a late one PAIRING_EXPIRED."""
    actor.require_role(ROLE_PHONE)
    now = now or utcnow()
    if not scene_is_genuine(policy.secret, scene):
        raise NotFound("PAIRING_NOT_FOUND")
    pairing = session.scalar(select(Pairing).where(Pairing.scene == scene).with_for_update())
    if pairing is None:
        raise NotFound("PAIRING_NOT_FOUND")
    if pairing.redeemed_at is not None:
        if pairing.phone_id == actor.user_id:
            session.commit()
            return pairing
        raise Conflict("PAIRING_USED")
    if pairing.expires_at <= now:
        raise Gone("PAIRING_EXPIRED")
    attempt = session.get(Attempt, pairing.attempt_id)
    if attempt.status != ATTEMPT_IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    # One phone serves one candidate per exam: it cannot photograph two people's answers.
    other = session.scalar(select(Pairing.id).where(
        Pairing.phone_id == actor.user_id, Pairing.exam_id == pairing.exam_id,
        Pairing.student_id != pairing.student_id).limit(1))
    if other is not None:
        raise Conflict("PHONE_IN_USE")
    pairing.phone_id, pairing.redeemed_at = actor.user_id, now
    if pairing.purpose == PURPOSE_SECOND_CAMERA:
        pairing.last_snapshot_at = now  # the grace period starts now
    session.commit()
    if publisher is not None:
        publisher.publish(pairing.attempt_id, events.PAIRED,
                          {"pairing_id": pairing.id, "n": pairing.position, "purpose": pairing.purpose})
    return pairing


def _phone_pairing(session: Session, actor: Actor, pairing_id: int, purpose: str) -> tuple[Pairing, Attempt]:
    """This phone's pairing, for an attempt still open: upload rights last until it ends."""
    actor.require_role(ROLE_PHONE)
    pairing = session.get(Pairing, pairing_id)
    if pairing is None or pairing.phone_id != actor.user_id:
        raise NotFound("PAIRING_NOT_FOUND")
    if pairing.purpose != purpose:
        raise Conflict("PAIRING_WRONG_PURPOSE", purpose=pairing.purpose)
    attempt = session.get(Attempt, pairing.attempt_id)
    if attempt.status != ATTEMPT_IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    return pairing, attempt


def upload_answer_photo(session: Session, actor: Actor, pairing_id: int, upload_id: str, data: bytes,
                        storage: Storage, max_bytes: int, scheduler: jobs.JobScheduler,
                        publisher: events.EventPublisher | None) -> AnswerPhoto:
    """Store a photo for question n and queue its processing. A retry with the same upload id
    answers the first upload's photo; a refused photo is reported on the desktop too."""
    pairing, attempt = _phone_pairing(session, actor, pairing_id, PURPOSE_ANSWER_PHOTO)
    existing = session.scalar(select(AnswerPhoto).where(AnswerPhoto.pairing_id == pairing.id,
                                                        AnswerPhoto.upload_id == upload_id))
    if existing is not None:
        return existing
    photo = AnswerPhoto(school_id=attempt.school_id, attempt_id=attempt.id, position=pairing.position,
                        pairing_id=pairing.id, upload_id=upload_id, status=ANSWER_PHOTO_PROCESSING)
    session.add(photo)
    try:
        session.flush()
        # Pixels are decoded once, by the job: the 202 does not wait for a 12 MP decode.
        photo.original_key = photos.store_original(storage, data, max_bytes, f"answer-photos/{attempt.id}/{photo.id}",
                                                   decode=False)
    except DomainError as error:
        session.rollback()
        if publisher is not None:
            publisher.publish(attempt.id, events.UPLOAD_REJECTED,
                              {"n": pairing.position, "reason": error.code, "message": error.message})
        raise
    photo.photo_key = photos.photo_key(photo.original_key)
    session.commit()
    jobs.request_job(scheduler, jobs.PROCESS_ANSWER_PHOTO, photo.id, job_id=f"answer-photo-{photo.id}")
    if publisher is not None:
        publisher.publish(attempt.id, events.UPLOAD_RECEIVED, {"n": pairing.position, "photo_id": photo.id})
    return photo


def process_answer_photo(session: Session, photo_id: int, storage: Storage, long_edge: int,
                         publisher: events.EventPublisher | None, photo_url, now: datetime | None = None) -> AnswerPhoto:
    """The job: the upright, downscaled copy; then the desktop is told (photo_ready). A photo
    whose pixels turn out damaged is rejected (upload_rejected) and its original deleted."""
    photo = jobs.lock_job_row(session, AnswerPhoto, photo_id, "answer photo")
    if photo.status == ANSWER_PHOTO_PROCESSING:
        try:
            data = photos.process_original(storage, photo.original_key, photo.photo_key, long_edge)
        except Unsupported as error:
            _reject_answer_photo(session, photo, error, storage, publisher)
            return photo
        photo.width, photo.height = photos.image_size(data)
        photo.original_key = None
        photo.status, photo.ready_at = ANSWER_PHOTO_READY, now or utcnow()
        session.commit()
        if publisher is not None:
            publisher.publish(photo.attempt_id, events.PHOTO_READY, {
                "photo_id": photo.id, "n": photo.position, "url": photo_url(photo.photo_key),
                "width": photo.width, "height": photo.height})
    elif photo.status == ANSWER_PHOTO_REJECTED and photo.original_key is not None:
        _drop_original(session, photo, storage)
    else:
        session.commit()
    return photo


def _reject_answer_photo(session: Session, photo: AnswerPhoto, error: Unsupported, storage: Storage,
                        publisher: events.EventPublisher | None) -> None:
    photo.status, photo.reason = ANSWER_PHOTO_REJECTED, error.extra.get("reason")
    session.commit()
    if publisher is not None:
        publisher.publish(photo.attempt_id, events.UPLOAD_REJECTED, {
            "n": photo.position, "photo_id": photo.id, "reason": error.code, "message": error.message})
    _drop_original(session, photo, storage)


def _drop_original(session: Session, photo: AnswerPhoto, storage: Storage) -> None:
    """Delete a rejected photo's original (a rerun after a failed delete finishes it)."""
    storage.delete(photo.original_key)
    photo.original_key = None
    session.commit()


def remove_answer_photo(session: Session, actor: Actor, attempt_id: int, photo_id: int,
                        now: datetime | None = None) -> AnswerPhoto:
    """The candidate removes a photo from the desktop while the attempt is open."""
    actor.require_role(ROLE_CANDIDATE)
    photo = session.get(AnswerPhoto, photo_id)
    attempt = session.get(Attempt, attempt_id)
    if photo is None or attempt is None or photo.attempt_id != attempt.id or attempt.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")
    if attempt.status != ATTEMPT_IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=attempt.submit_reason)
    if attempt.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    photo.status, photo.removed_at = ANSWER_PHOTO_REMOVED, now or utcnow()
    session.commit()
    return photo


# --- the second camera (双机位) ---


def second_camera_snapshot(session: Session, actor: Actor, pairing_id: int, data: bytes, storage: Storage,
                           max_bytes: int, scheduler: jobs.JobScheduler, now: datetime | None = None):
    pairing, attempt = _phone_pairing(session, actor, pairing_id, PURPOSE_SECOND_CAMERA)
    snapshot = proctoring.accept_snapshot(session, attempt, data, storage, max_bytes, scheduler, SNAPSHOT_PHONE)
    pairing = session.get(Pairing, pairing_id)
    pairing.last_snapshot_at, pairing.lost_at = now or utcnow(), None
    session.commit()
    return snapshot


def flag_lost_second_cameras(session: Session, policy: PairingPolicy, publisher: events.EventPublisher | None,
                             now: datetime | None = None) -> list[int]:
    """Second cameras silent for longer than the grace period during an open attempt: one flag
    per silence (a camera that comes back and goes quiet again is flagged again)."""
    now = now or utcnow()
    silent = session.scalars(
        select(Pairing).join(Attempt, Attempt.id == Pairing.attempt_id).where(
            Pairing.purpose == PURPOSE_SECOND_CAMERA, Pairing.redeemed_at.is_not(None), Pairing.lost_at.is_(None),
            Pairing.last_snapshot_at < now - policy.second_camera_grace, Attempt.status == ATTEMPT_IN_PROGRESS,
        ).with_for_update(of=Pairing, skip_locked=True)
    ).all()
    flagged = []
    for pairing in silent:
        pairing.lost_at = now
        attempt = session.get(Attempt, pairing.attempt_id)
        flag = proctoring.raise_flag(session, attempt, proctoring.SECOND_CAMERA_LOST,
                                     {"last_snapshot_at": pairing.last_snapshot_at.isoformat()}, now)
        flagged.append((pairing, flag))
    session.commit()
    if publisher is not None:
        for pairing, flag in flagged:
            publisher.publish(pairing.attempt_id, events.SECOND_CAMERA_LOST,
                              {"pairing_id": pairing.id, "last_snapshot_at": pairing.last_snapshot_at.isoformat()})
            publisher.publish(pairing.attempt_id, events.FLAG_RAISED, proctoring.flag_event(flag))
    return [pairing.id for pairing, _ in flagged]


# --- WeChat login of the mini program ---


_WECHAT_ERRORS = {
    "WECHAT_CODE_INVALID": Unauthenticated, "WECHAT_CODE_USED": Unauthenticated,
    "WECHAT_RATE_LIMITED": RateLimited, "WECHAT_PAGE_INVALID": Unavailable,
}


def wechat_error(error: WeChatError) -> DomainError:
    """The domain error for a WeChat failure: bad codes are 401, limits 429, the rest 503."""
    code = error.code if error.code in CATALOGUE else "WECHAT_ERROR"
    return _WECHAT_ERRORS.get(code, Unavailable)(code, errcode=error.errcode)


def wechat_login(session: Session, wechat: WeChat | None, code: str) -> Phone:
    """wx.login's code → code2session → the phone (WECHAT_NOT_CONFIGURED without credentials)."""
    if wechat is None:
        raise Unavailable("WECHAT_NOT_CONFIGURED")
    try:
        result = wechat.code_to_session(code)
    except WeChatError as error:
        raise wechat_error(error) from None
    return phone_login(session, result.openid, result.unionid)


def render_code(renderer, scene: str):
    """The code's image; a WeChat failure (wxacode mode) is a clear 429/503 with its code."""
    try:
        return renderer.render(scene)
    except WeChatError as error:
        raise wechat_error(error) from None
