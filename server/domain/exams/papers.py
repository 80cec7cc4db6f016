"""Paper rules (调卷规则) and drawing a paper from the bank (FAQ 14, 15)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.actors import Actor
from server.domain.catalogue import Exam, PaperRule, get_exam
from server.domain.errors import Conflict, InvalidInput
from server.domain.exams.models import Question, QuestionType
from server.domain.exams.question_bank import TYPE_NAMES, count_by_type

MAX_PAPER_QUESTIONS = 500


@dataclass(frozen=True)
class Section:
    type: QuestionType
    count: int
    score: Decimal


def parse_sections(raw_sections: list[dict]) -> list[Section]:
    sections = []
    for index, raw in enumerate(raw_sections):
        if raw.get("type") not in tuple(QuestionType):
            raise InvalidInput(
                "VALIDATION_ERROR", errors={f"sections.{index}.type": ["题型不正确"]}
            )
        sections.append(
            Section(
                QuestionType(raw["type"]),
                int(raw["count"]),
                Decimal(str(raw["score"])).quantize(Decimal("0.01")),
            )
        )
    if not sections:
        raise InvalidInput("VALIDATION_ERROR", errors={"sections": ["至少需要一个大题"]})
    if sum(section.count for section in sections) > MAX_PAPER_QUESTIONS:
        raise InvalidInput(
            "VALIDATION_ERROR", errors={"sections": [f"一份试卷最多{MAX_PAPER_QUESTIONS}题"]}
        )
    return sections


def shortages(sections: list[Section], available: dict[str, int]) -> list[str]:
    """Chinese sentences, one per question type the bank cannot supply."""
    needed: Counter[QuestionType] = Counter()
    for section in sections:
        needed[section.type] += section.count
    return [
        f"{TYPE_NAMES[qtype]}需要{count}道，题库只有{available.get(qtype, 0)}道"
        for qtype, count in needed.items()
        if available.get(qtype, 0) < count
    ]


def set_paper_rule(
    session: Session, actor: Actor, exam_id: int, raw_sections: list[dict]
) -> PaperRule:
    """Refused when saved if the bank cannot supply it, with the reason per type."""
    exam = get_exam(session, actor, exam_id)
    sections = parse_sections(raw_sections)
    missing = shortages(sections, count_by_type(session, exam.course_id))
    if missing:
        raise InvalidInput("PAPER_RULE_INVALID", errors={"sections": missing})
    rule = session.scalar(select(PaperRule).where(PaperRule.exam_id == exam.id))
    stored = [{"type": s.type, "count": s.count, "score": float(s.score)} for s in sections]
    if rule is None:
        rule = PaperRule(exam_id=exam.id, sections=stored)
        session.add(rule)
    else:
        rule.sections = stored
    session.commit()
    return rule


def get_paper_rule(session: Session, actor: Actor, exam_id: int) -> PaperRule:
    exam = get_exam(session, actor, exam_id)
    rule = session.scalar(select(PaperRule).where(PaperRule.exam_id == exam.id))
    if rule is None:
        raise Conflict("PAPER_RULE_MISSING")
    return rule


def total_score(rule: PaperRule) -> float:
    return float(sum(Decimal(str(s["score"])) * s["count"] for s in rule.sections))


def draw_paper(
    session: Session, exam: Exam, rng: random.Random | None = None
) -> list[tuple[int, Decimal]]:
    """(question id, points) in paper order; sections in rule order, questions shuffled within.

    Fails with FAQ 14's message when the exam has no rule or the bank no longer satisfies it.
    """
    rule = session.scalar(select(PaperRule).where(PaperRule.exam_id == exam.id))
    if rule is None:
        raise Conflict("PAPER_RULE_MISSING")
    rng = rng or random.SystemRandom()
    sections = parse_sections(rule.sections)
    pools: dict[str, list[int]] = {}
    for qtype in {section.type for section in sections}:
        pools[qtype] = list(
            session.scalars(
                select(Question.id).where(
                    Question.course_id == exam.course_id, Question.type == qtype
                )
            )
        )
        rng.shuffle(pools[qtype])
    missing = shortages(sections, {qtype: len(ids) for qtype, ids in pools.items()})
    if missing:
        raise Conflict("PAPER_RULE_MISSING", shortages=missing)
    paper: list[tuple[int, Decimal]] = []
    for section in sections:
        drawn, pools[section.type] = (
            pools[section.type][: section.count],
            pools[section.type][section.count :],
        )
        paper.extend((question_id, section.score) for question_id in drawn)
    return paper
