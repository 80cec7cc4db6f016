"""The hot path of an exam: fetching question n and autosaving answers (FAQ 15, 10).

Every candidate does this every few seconds, all at once at exam start, so it is built for
cost. A save is one statement in autocommit mode (one round trip, durable when it returns):
an UPDATE of the slot that locks the attempt row (FOR NO KEY UPDATE, so it queues behind a
submit's FOR UPDATE) and only writes while the attempt is open, on this computer, before its
deadline and with a newer seq. Only when it writes nothing does a second read say why.
What never changes is cached per process: a paper's slots once drawn (with the attempt's
owner), and bank questions.

Ownership comes before validation: another candidate's attempt answers 404 whatever the body,
so a 422 can never tell a stranger what type a question of that paper has or which options it
offers. The owner is cached with the slot, so this costs no statement; a malformed answer of
one's own attempt reads its state first (a submitted or moved attempt says so, not 422).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.domain.actors import Actor, Role
from server.domain.clock import utcnow
from server.domain.errors import Conflict, InvalidInput, NotFound
from server.domain.exams.immutable_cache import ImmutableCache
from server.domain.exams.models import (
    AnswerPhoto,
    AnswerPhotoStatus,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Question,
    QuestionType,
)
from server.domain.exams.scoring import check_answer

# Saves and fetches refresh last_seen_at at most this often per process: the silence window
# (FAQ 10) is measured in minutes, one write per candidate per interval is plenty.
TOUCH_EVERY = timedelta(seconds=10)

# Declarative classes type __table__ as any FromClause; these are Tables.
_attempts = cast(Table, Attempt.__table__)
_slots = cast(Table, AttemptQuestion.__table__)
_questions = cast(Table, Question.__table__)
_photos_table = cast(Table, AnswerPhoto.__table__)
# Questions answered (also) with photos from the phone; only these read the photos table.
PHOTO_QUESTION_TYPES = (QuestionType.PHOTO, QuestionType.ESSAY)

_OPEN_ATTEMPT = (
    select(_attempts.c.id)
    .where(
        _attempts.c.id == bindparam("open_attempt_id"),
        _attempts.c.student_id == bindparam("student_id"),
        _attempts.c.status == AttemptStatus.IN_PROGRESS,
        _attempts.c.active_session == bindparam("session_id"),
        _attempts.c.deadline > bindparam("now", type_=_attempts.c.deadline.type),
    )
    .with_for_update(key_share=True)
)
_SAVE = (
    update(_slots)
    .where(
        _slots.c.id == bindparam("slot_id"),
        _slots.c.saved_seq < bindparam("seq"),
        _slots.c.attempt_id.in_(_OPEN_ATTEMPT.scalar_subquery()),
    )
    .values(
        answer=bindparam("answer", type_=_slots.c.answer.type),
        saved_seq=bindparam("seq"),
        saved_at=bindparam("saved_at", type_=_slots.c.saved_at.type),
    )
    .returning(_slots.c.saved_seq)
)
_ATTEMPT_STATE = select(
    _attempts.c.student_id,
    _attempts.c.status,
    _attempts.c.active_session,
    _attempts.c.deadline,
    _attempts.c.submit_reason,
).where(_attempts.c.id == bindparam("attempt_id"))
_SLOT_ANSWER = (
    select(
        _attempts.c.student_id,
        _attempts.c.status,
        _attempts.c.active_session,
        _attempts.c.deadline,
        _attempts.c.submit_reason,
        _slots.c.answer,
        _slots.c.saved_seq,
    )
    .select_from(
        _attempts.outerjoin(
            _slots, (_slots.c.attempt_id == _attempts.c.id) & (_slots.c.id == bindparam("slot_id"))
        )
    )
    .where(_attempts.c.id == bindparam("attempt_id"))
)
# A whole paper, slots and questions, in one read: what the slot cache holds for an attempt.
_PAPER = (
    select(
        _slots.c.id,
        _slots.c.position,
        _slots.c.question_id,
        _slots.c.points,
        _attempts.c.student_id,
        _questions.c.type,
        _questions.c.stem,
        _questions.c.options,
        _questions.c.answer,
    )
    .join(_questions, _questions.c.id == _slots.c.question_id)
    .join(_attempts, _attempts.c.id == _slots.c.attempt_id)
    .where(_slots.c.attempt_id == bindparam("attempt_id"))
)
_TOUCH = (
    update(_attempts)
    .where(_attempts.c.id == bindparam("touched_id"))
    .values(last_seen_at=bindparam("now", type_=_attempts.c.last_seen_at.type))
)
_PHOTOS = (
    select(
        _photos_table.c.id,
        _photos_table.c.status,
        _photos_table.c.photo_key,
        _photos_table.c.width,
        _photos_table.c.height,
        _photos_table.c.created_at,
    )
    .where(
        _photos_table.c.attempt_id == bindparam("attempt_id"),
        _photos_table.c.position == bindparam("n"),
        _photos_table.c.status.in_((AnswerPhotoStatus.PROCESSING, AnswerPhotoStatus.READY)),
    )
    .order_by(_photos_table.c.id)
)
_QUESTION = select(
    _questions.c.type, _questions.c.stem, _questions.c.options, _questions.c.answer
).where(_questions.c.id == bindparam("question_id"))


@dataclass(frozen=True)
class QuestionContent:
    """What a candidate may see of a question, plus what checking an answer needs."""

    type: QuestionType
    stem: str
    options: list
    blanks: int | None


@dataclass(frozen=True)
class Slot:
    id: int
    question_id: int
    points: float
    student_id: int  # the attempt's owner, which never changes either


# Bank questions have no edit operation; a drawn paper's slots never move; nor does an
# attempt change hands.
_question_cache: ImmutableCache[int, QuestionContent] = ImmutableCache(50_000)
_slot_cache: ImmutableCache[tuple[int, int], Slot] = ImmutableCache(500_000)
_owner_cache: ImmutableCache[int, int] = ImmutableCache(200_000)
_OWNER = select(_attempts.c.student_id).where(_attempts.c.id == bindparam("attempt_id"))
_touched: dict[int, float] = {}


def forget_cached_rows() -> None:
    """Empty this process's caches: only for a database whose ids started again (tests)."""
    for cache in (_question_cache, _slot_cache, _owner_cache):
        cache.clear()


def _content(
    qtype: QuestionType, stem: str, options: list[Any] | None, key: object
) -> QuestionContent:
    blanks = len(key) if qtype == QuestionType.FILL and isinstance(key, list) else None
    return QuestionContent(qtype, stem, options or [], blanks)


def _question(connection: Connection, question_id: int) -> QuestionContent:
    return _question_cache.get(
        question_id,
        lambda: _content(*connection.execute(_QUESTION, {"question_id": question_id}).one()),
    )


def _slot(connection: Connection, attempt_id: int, position: int) -> Slot | None:
    slot = _slot_cache.peek((attempt_id, position))
    if slot is None:
        remember_paper(connection, attempt_id)
        slot = _slot_cache.peek((attempt_id, position))
    return slot


def remember_paper(connection: Connection, attempt_id: int) -> None:
    """Cache an attempt's whole paper in this process: done when the attempt starts or
    resumes here, so the exam-start burst of first saves finds it warm."""
    for row in connection.execute(_PAPER, {"attempt_id": attempt_id}):
        _owner_cache.put(attempt_id, row.student_id)
        _question_cache.get(
            row.question_id, partial(_content, row.type, row.stem, row.options, row.answer)
        )
        _slot_cache.put(
            (attempt_id, row.position),
            Slot(row.id, row.question_id, float(row.points), row.student_id),
        )


def require_own_attempt(connect: Callable[[], Connection], actor: Actor, attempt_id: int) -> None:
    """NOT_FOUND unless the attempt is the calling candidate's own: what a view checks before
    it reads a request body, so that another candidate's attempt answers 404 whatever the body
    (never a 422 about it). The owner is cached per process; `connect` is called only when
    this process has not seen the attempt yet."""
    actor.require_role(Role.CANDIDATE)
    owner = _owner_cache.peek(attempt_id)
    if owner is None:
        owner = connect().execute(_OWNER, {"attempt_id": attempt_id}).scalar()
        if owner is not None:
            _owner_cache.put(attempt_id, owner)
    if owner != actor.user_id:
        raise NotFound("NOT_FOUND")


def _touch(connection: Connection, attempt_id: int, now: datetime) -> None:
    """Record a sign of life at most every TOUCH_EVERY per attempt and process.

    An attempt this process has not seen yet gets a random phase: at exam start every
    candidate's first save arrives within a second, and their touches should not."""
    moment = time.monotonic()
    every = TOUCH_EVERY.total_seconds()
    last = _touched.setdefault(attempt_id, moment - random.uniform(0, every))
    if moment - last >= every:
        connection.execute(_TOUCH, {"touched_id": attempt_id, "now": now})
        _touched[attempt_id] = moment
        if len(_touched) > 200_000:
            _touched.clear()


@dataclass(frozen=True)
class QuestionView:
    n: int
    content: QuestionContent
    points: float
    saved_answer: object
    saved_seq: int
    photos: tuple = ()  # answer photos from the paired phone (photo and essay questions)


def get_question(
    connection: Connection,
    actor: Actor,
    attempt_id: int,
    position: int,
    now: datetime | None = None,
) -> QuestionView:
    """Safe to repeat (FAQ 15): the same question at the same place, with the saved answer.

    `connection` is in autocommit mode (make_engine(autocommit=True))."""
    actor.require_role(Role.CANDIDATE)
    now = now or utcnow()
    slot = _slot(connection, attempt_id, position)
    row = _check_answering(
        connection.execute(
            _SLOT_ANSWER, {"attempt_id": attempt_id, "slot_id": slot.id if slot else None}
        ).first(),
        actor,
        now,
    )
    if slot is None:
        raise NotFound("QUESTION_NOT_FOUND")
    content = _question(connection, slot.question_id)
    _touch(connection, attempt_id, now)
    photos = (
        _photos(connection, attempt_id, position) if content.type in PHOTO_QUESTION_TYPES else ()
    )
    return QuestionView(position, content, slot.points, row.answer, row.saved_seq, photos)


def save_answer(
    connection: Connection,
    actor: Actor,
    attempt_id: int,
    position: int,
    answer: object,
    client_seq: int,
    now: datetime | None = None,
) -> int:
    """Idempotent autosave: a later client_seq wins; an older or repeated one is acknowledged
    and changes nothing. Returns the stored seq, durable before this returns (`connection`
    is in autocommit mode)."""
    actor.require_role(Role.CANDIDATE)
    now = now or utcnow()
    slot = _slot(connection, attempt_id, position)
    if slot is not None and slot.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")  # before the answer is looked at: see the module's doc
    if slot is None:
        _check_answering(
            connection.execute(_ATTEMPT_STATE, {"attempt_id": attempt_id}).first(), actor, now
        )
        raise NotFound("QUESTION_NOT_FOUND")
    content = _question(connection, slot.question_id)
    try:
        value = check_answer(content.type, content.options, answer, content.blanks or 1)
    except InvalidInput:
        # A submitted, moved or expired attempt says so rather than judging the answer.
        _check_answering(
            connection.execute(_ATTEMPT_STATE, {"attempt_id": attempt_id}).first(), actor, now
        )
        raise
    saved = connection.execute(
        _SAVE,
        {
            "slot_id": slot.id,
            "seq": client_seq,
            "answer": value,
            "saved_at": now,
            "open_attempt_id": attempt_id,
            "student_id": actor.user_id,
            "session_id": actor.session_id,
            "now": now,
        },
    ).first()
    if saved is None:
        # Nothing written: say why, or acknowledge an older or repeated seq.
        row = _check_answering(
            connection.execute(
                _SLOT_ANSWER, {"attempt_id": attempt_id, "slot_id": slot.id}
            ).first(),
            actor,
            now,
        )
        saved_seq: int = row.saved_seq
    else:
        saved_seq = saved.saved_seq
    _touch(connection, attempt_id, now)
    return saved_seq


def heartbeat(
    session: Session, actor: Actor, attempt_id: int, now: datetime | None = None
) -> Attempt:
    """Keeps the attempt alive (FAQ 10) and tells the client its deadline."""
    actor.require_role(Role.CANDIDATE)
    now = now or utcnow()
    attempt = _check_answering(
        session.scalar(
            select(Attempt).where(Attempt.id == attempt_id).with_for_update(key_share=True)
        ),
        actor,
        now,
    )
    attempt.last_seen_at = now
    session.commit()
    return attempt


class _AnsweringState(Protocol):
    """An attempt row, or a row that selected these columns of one."""

    @property
    def student_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def active_session(self) -> str: ...
    @property
    def deadline(self) -> datetime: ...
    @property
    def submit_reason(self) -> str | None: ...


State = TypeVar("State", bound=_AnsweringState)


def _check_answering(row: State | None, actor: Actor, now: datetime) -> State:
    """`row` when it is the candidate's own attempt, still open, on this computer, before the
    deadline."""
    if row is None or row.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")  # another candidate's attempt looks like none at all
    if row.status != AttemptStatus.IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=row.submit_reason)
    if row.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    if now >= row.deadline:
        raise Conflict("DEADLINE_PASSED", deadline=row.deadline.isoformat())
    return row


def _photos(connection: Connection, attempt_id: int, position: int) -> tuple[dict[str, Any], ...]:
    """Question n's photos in upload order (removed ones left out)."""
    return tuple(
        row._asdict()
        for row in connection.execute(_PHOTOS, {"attempt_id": attempt_id, "n": position})
    )
