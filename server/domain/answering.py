"""The hot path of an exam: fetching question n and autosaving answers (FAQ 15, 10).

Every candidate does this every few seconds, all at once at exam start, so it is built for
cost: statements are built once, each request is one locking read, one conditional write
and a commit, and question content (immutable once in the bank) is cached per process.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from server.domain.actors import Actor
from server.domain.answers import check_answer
from server.domain.clock import utcnow
from server.domain.errors import Conflict, NotFound
from server.domain.models import ATTEMPT_IN_PROGRESS, ROLE_CANDIDATE, Attempt, AttemptQuestion, Question

# Saves and fetches refresh last_seen_at at most this often: one write per candidate per
# interval instead of one per request.
TOUCH_EVERY = timedelta(seconds=10)

_attempts = Attempt.__table__
_slots = AttemptQuestion.__table__
_questions = Question.__table__

# The attempt and question n's slot in one read. FOR NO KEY UPDATE OF the attempt: saves of
# one attempt queue behind a submit (FOR UPDATE), so nothing is written after submission.
_SLOT_FOR_SAVE = (
    select(_attempts.c.student_id, _attempts.c.status, _attempts.c.active_session, _attempts.c.deadline,
           _attempts.c.last_seen_at, _attempts.c.submit_reason,
           _slots.c.id, _slots.c.question_id, _slots.c.saved_seq)
    .select_from(_attempts.outerjoin(
        _slots, (_slots.c.attempt_id == _attempts.c.id) & (_slots.c.position == bindparam("position"))))
    .where(_attempts.c.id == bindparam("attempt_id"))
    .with_for_update(of=_attempts, key_share=True)
)
_SLOT_FOR_READ = (
    select(_attempts.c.student_id, _attempts.c.status, _attempts.c.active_session, _attempts.c.deadline,
           _attempts.c.last_seen_at, _attempts.c.submit_reason,
           _slots.c.id, _slots.c.question_id, _slots.c.answer, _slots.c.saved_seq, _slots.c.points,
           _slots.c.position)
    .select_from(_attempts.outerjoin(
        _slots, (_slots.c.attempt_id == _attempts.c.id) & (_slots.c.position == bindparam("position"))))
    .where(_attempts.c.id == bindparam("attempt_id"))
)
_SAVE = (
    update(_slots)
    .where(_slots.c.id == bindparam("slot_id"), _slots.c.saved_seq < bindparam("seq"))
    .values(answer=bindparam("answer", type_=_slots.c.answer.type), saved_seq=bindparam("seq"),
            saved_at=bindparam("now", type_=_slots.c.saved_at.type))
)
_TOUCH = (
    update(_attempts)
    .where(_attempts.c.id == bindparam("attempt_id"))
    .values(last_seen_at=bindparam("now", type_=_attempts.c.last_seen_at.type))
)
_QUESTION = select(_questions.c.type, _questions.c.stem, _questions.c.options, _questions.c.answer).where(
    _questions.c.id == bindparam("question_id"))


@dataclass(frozen=True)
class QuestionContent:
    """What a candidate may see of a question, plus what checking an answer needs."""

    type: str
    stem: str
    options: list
    blanks: int | None


class QuestionCache:
    """Bank questions never change once created (there is no edit): safe to keep per process."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._items: OrderedDict[int, QuestionContent] = OrderedDict()
        self._lock = Lock()

    def get(self, session: Session, question_id: int) -> QuestionContent:
        with self._lock:
            content = self._items.get(question_id)
        if content is None:
            qtype, stem, options, key = session.connection().execute(
                _QUESTION, {"question_id": question_id}).one()
            blanks = len(key) if qtype == "fill" and isinstance(key, list) else None
            content = QuestionContent(qtype, stem, options or [], blanks)
            with self._lock:
                self._items[question_id] = content
                if len(self._items) > self._size:
                    self._items.popitem(last=False)
        return content


questions = QuestionCache()


@dataclass(frozen=True)
class QuestionView:
    n: int
    content: QuestionContent
    points: float
    saved_answer: object
    saved_seq: int


def get_question(session: Session, actor: Actor, attempt_id: int, position: int,
                 now: datetime | None = None) -> QuestionView:
    """Safe to repeat (FAQ 15): the same question at the same place, with the saved answer."""
    actor.require_role(ROLE_CANDIDATE)
    now = now or utcnow()
    connection = session.connection()
    row = connection.execute(_SLOT_FOR_READ, {"attempt_id": attempt_id, "position": position}).first()
    _check_answering(row, actor, now)
    if row.id is None:
        raise NotFound("QUESTION_NOT_FOUND")
    content = questions.get(session, row.question_id)
    if now - row.last_seen_at >= TOUCH_EVERY:
        connection.execute(_TOUCH, {"attempt_id": attempt_id, "now": now})
    session.commit()
    return QuestionView(row.position, content, float(row.points), row.answer, row.saved_seq)


def save_answer(session: Session, actor: Actor, attempt_id: int, position: int, answer, client_seq: int,
                now: datetime | None = None) -> int:
    """Idempotent autosave: a later client_seq wins; an older or repeated one is acknowledged
    and changes nothing. Returns the stored seq, committed before returning."""
    actor.require_role(ROLE_CANDIDATE)
    now = now or utcnow()
    connection = session.connection()
    row = connection.execute(_SLOT_FOR_SAVE, {"attempt_id": attempt_id, "position": position}).first()
    _check_answering(row, actor, now)
    if row.id is None:
        raise NotFound("QUESTION_NOT_FOUND")
    content = questions.get(session, row.question_id)
    value = check_answer(content.type, content.options, answer, content.blanks or 1)
    saved_seq = row.saved_seq
    if client_seq > saved_seq:
        connection.execute(_SAVE, {"slot_id": row.id, "seq": client_seq, "answer": value, "now": now})
        saved_seq = client_seq
    if now - row.last_seen_at >= TOUCH_EVERY:
        connection.execute(_TOUCH, {"attempt_id": attempt_id, "now": now})
    session.commit()
    return saved_seq


def heartbeat(session: Session, actor: Actor, attempt_id: int, now: datetime | None = None) -> Attempt:
    """Keeps the attempt alive (FAQ 10) and tells the client its deadline."""
    actor.require_role(ROLE_CANDIDATE)
    now = now or utcnow()
    attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update(key_share=True))
    _check_answering(attempt, actor, now)
    attempt.last_seen_at = now
    session.commit()
    return attempt


def _check_answering(row, actor: Actor, now: datetime) -> None:
    """Own attempt, still open, on this computer, before the deadline."""
    if row is None or row.student_id != actor.user_id:
        raise NotFound("NOT_FOUND")  # another candidate's attempt looks like none at all
    if row.status != ATTEMPT_IN_PROGRESS:
        raise Conflict("ATTEMPT_SUBMITTED", submit_reason=row.submit_reason)
    if row.active_session != actor.session_id:
        raise Conflict("ATTEMPT_MOVED")
    if now >= row.deadline:
        raise Conflict("DEADLINE_PASSED", deadline=row.deadline.isoformat())
