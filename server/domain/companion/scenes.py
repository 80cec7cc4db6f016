"""Per-question QR scenes: signed, short-lived, single-use pairing ids issued to the desktop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from threading import Lock
from typing import Any, cast

from psycopg.rows import namedtuple_row
from sqlalchemy import Table, and_, bindparam, exists, insert, or_, select, true
from sqlalchemy.engine import Connection, Dialect

from server.adapters.qr import QrRenderer, RenderedCode
from server.adapters.wechat import WeChatError
from server.domain.actors import Actor, Role
from server.domain.clock import utcnow
from server.domain.companion.models import (
    Pairing,
    PairingPurpose,
)
from server.domain.companion.wechat_errors import wechat_error
from server.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)
from server.domain.exams import (
    PHOTO_QUESTION_TYPES,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
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
    A code redeemed or ended through this process is forgotten at once; one redeemed through
    another process may still be shown until it expires, and a second phone scanning it is
    refused (PAIRING_USED) -- the phone that redeemed it already has its upload rights; an
    ended one is refused to every phone (PAIRING_ENDED).

    It also keeps the API's answer for the most recently used codes (the JSON the view made
    the first time): a code's answer never changes, so a re-request is sent those bytes again.
    Bounded in bytes: 4 MB is ~3,400 plain codes (~1.2 KB each) or ~70 WeChat codes (tens of
    KB). An answer goes when its code is replaced, forgotten or dropped."""

    def __init__(self, size: int = 50_000, answer_bytes: int = 4 * 1024 * 1024) -> None:
        self._size = size
        self._items: OrderedDict[tuple, IssuedCode] = OrderedDict()
        self._keys: dict[str, tuple] = {}  # scene -> key
        self._answer_bytes = answer_bytes
        self._answers: OrderedDict[str, bytes] = (
            OrderedDict()
        )  # scene -> answer, least recent first
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


# Declarative classes type __table__ as any FromClause; these are Tables.
_attempts = cast(Table, Attempt.__table__)
_pairings = cast(Table, Pairing.__table__)
_slots = cast(Table, AttemptQuestion.__table__)
_questions = cast(Table, Question.__table__)

# The attempt, if it is this candidate's, open, on this computer, with question n; and n's type.
_OPEN_SLOT = (
    select(
        _attempts.c.school_id,
        _attempts.c.exam_id,
        _attempts.c.status,
        _attempts.c.active_session,
        _attempts.c.deadline,
        _attempts.c.submit_reason,
        _questions.c.type,
    )
    .select_from(
        _attempts.outerjoin(
            _slots, and_(_slots.c.attempt_id == _attempts.c.id, _slots.c.position == bindparam("n"))
        ).outerjoin(_questions, _questions.c.id == _slots.c.question_id)
    )
    .where(
        _attempts.c.id == bindparam("attempt_id"), _attempts.c.student_id == bindparam("student_id")
    )
)
_VALID_CODE = (
    select(_pairings.c.id, _pairings.c.scene, _pairings.c.expires_at)
    .where(
        _pairings.c.attempt_id == bindparam("attempt_id"),
        _pairings.c.position == bindparam("n"),
        _pairings.c.purpose == bindparam("purpose"),
        _pairings.c.redeemed_at.is_(None),
        _pairings.c.ended_at.is_(None),
        _pairings.c.expires_at > bindparam("usable_after", type_=_pairings.c.expires_at.type),
    )
    .order_by(_pairings.c.expires_at.desc())
    .limit(1)
)
# PostgreSQL: the two reads above and the insert of a new code in one statement (one round trip).
# The insert happens only where the checks below would pass and no valid code exists; the row
# returned carries what the checks need, the valid code if there is one, else the new code's id.
_open_slot, _valid_code = _OPEN_SLOT.cte("slot"), _VALID_CODE.cte("valid_code")
_new_code = (
    insert(_pairings)
    .from_select(
        [
            "scene",
            "school_id",
            "attempt_id",
            "exam_id",
            "student_id",
            "position",
            "purpose",
            "created_at",
            "expires_at",
        ],
        select(
            bindparam("scene", type_=_pairings.c.scene.type),
            _open_slot.c.school_id,
            bindparam("attempt_id", type_=_pairings.c.attempt_id.type),
            _open_slot.c.exam_id,
            bindparam("student_id", type_=_pairings.c.student_id.type),
            bindparam("n", type_=_pairings.c.position.type),
            bindparam("purpose", type_=_pairings.c.purpose.type),
            bindparam("now", type_=_pairings.c.created_at.type),
            bindparam("expires_at", type_=_pairings.c.expires_at.type),
        ).where(
            _open_slot.c.status == AttemptStatus.IN_PROGRESS,
            _open_slot.c.active_session.is_not_distinct_from(bindparam("session_id")),
            _open_slot.c.type.is_not(None),
            # Equalities, not IN: an IN list is re-rendered on every execution (SQLAlchemy's
            # "expanding" parameters), ~0.2 ms of a fresh code's CPU.
            or_(
                bindparam("purpose") != PairingPurpose.ANSWER_PHOTO,
                *(_open_slot.c.type == kind for kind in PHOTO_QUESTION_TYPES),
            ),
            ~exists(select(_valid_code.c.id)),
        ),
    )
    .returning(_pairings.c.id)
    .cte("new_code")
)
_ISSUE_CODE = select(
    _open_slot,
    _valid_code.c.id.label("valid_id"),
    _valid_code.c.scene.label("valid_scene"),
    _valid_code.c.expires_at.label("valid_expires_at"),
    _new_code.c.id.label("new_id"),
).select_from(_open_slot.outerjoin(_valid_code, true()).outerjoin(_new_code, true()))


@lru_cache(maxsize=4)
def _issue_code_sql(dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """_ISSUE_CODE compiled once for `dialect` (psycopg): its SQL text and its constant
    parameters. Its bound values need no processing there (aware datetimes go as they are); the
    one datetime it reads back is made UTC by the caller."""
    compiled = _ISSUE_CODE.compile(dialect=dialect)
    return str(compiled), {
        name: value for name, value in compiled.params.items() if value is not None
    }


def issue_code(
    connection: Connection | Callable[[], Connection],
    actor: Actor,
    attempt_id: int,
    n: int,
    purpose: str,
    policy: PairingPolicy,
    cache: IssuedCodes,
    now: datetime | None = None,
) -> IssuedCode:
    """Question n's QR code for `purpose`: the still-valid one (over a minute left), else a new
    one. Switching question gets that question's code (FAQ 22).

    `connection` may be a function that opens one: it is called only when the database is
    needed, so a re-request answered from this process's memory checks out no connection. On
    PostgreSQL a new code costs one statement (_ISSUE_CODE); elsewhere (SQLite) three."""
    actor.require_role(Role.CANDIDATE)
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
        driver_connection = connection.connection.driver_connection
        assert (
            driver_connection is not None
        )  # a checked-out connection holds its psycopg connection
        cursor = driver_connection.cursor(row_factory=namedtuple_row)
        with cursor:
            row = cursor.execute(
                sql,
                defaults
                | {
                    "attempt_id": attempt_id,
                    "student_id": actor.user_id,
                    "n": n,
                    "purpose": purpose,
                    "usable_after": usable_after,
                    "session_id": actor.session_id,
                    "scene": scene,
                    "now": now,
                    "expires_at": expires_at,
                },
                prepare=True,
            ).fetchone()
    else:
        row = connection.execute(
            _OPEN_SLOT, {"attempt_id": attempt_id, "student_id": actor.user_id, "n": n}
        ).first()
    if row is None:
        raise NotFound("NOT_FOUND")
    if row.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=row.submit_reason)
    if row.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    if row.type is None:
        raise NotFound("QUESTION_NOT_FOUND")
    if purpose == PairingPurpose.ANSWER_PHOTO and row.type not in PHOTO_QUESTION_TYPES:
        raise InvalidInput("QUESTION_TAKES_NO_PHOTO")
    if one_statement:
        if row.valid_id is not None:
            code = IssuedCode(
                row.valid_id,
                row.valid_scene,
                attempt_id,
                n,
                purpose,
                row.valid_expires_at.astimezone(UTC),
            )
        else:
            code = IssuedCode(row.new_id, scene, attempt_id, n, purpose, expires_at)
        cache.put(key, code)
        return code
    existing = connection.execute(
        _VALID_CODE,
        {"attempt_id": attempt_id, "n": n, "purpose": purpose, "usable_after": usable_after},
    ).first()
    if existing is not None:
        code = IssuedCode(existing.id, existing.scene, attempt_id, n, purpose, existing.expires_at)
    else:
        scene, expires_at = make_scene(policy.secret), now + policy.ttl
        pairing_id = connection.execute(
            insert(_pairings)
            .values(
                scene=scene,
                school_id=row.school_id,
                attempt_id=attempt_id,
                exam_id=row.exam_id,
                student_id=actor.user_id,
                position=n,
                purpose=purpose,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(_pairings.c.id)
        ).scalar_one()
        code = IssuedCode(pairing_id, scene, attempt_id, n, purpose, expires_at)
    cache.put(key, code)
    return code


def render_code(renderer: QrRenderer, scene: str) -> RenderedCode:
    """The code's image; a WeChat failure (wxacode mode) is a clear 429/503 with its code."""
    try:
        return renderer.render(scene)
    except WeChatError as error:
        raise wechat_error(error) from None
