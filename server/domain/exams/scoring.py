"""Candidate answers: their shape per question type, and objective scoring (客观分)."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from server.domain.errors import InvalidInput
from server.domain.exams.models import QuestionType

MAX_TEXT = 20000
MAX_BLANK = 1000

# An answer in canonical form: an option key, option keys, true/false, blanks, or a text.
Answer = str | bool | list[str] | None


def check_answer(
    qtype: QuestionType, options: list[dict[str, str]], answer: object, blanks: int = 1
) -> Answer:
    """The answer in canonical form, or INVALID_ANSWER naming what is wrong. None clears it."""
    if answer is None:
        return None
    keys = {option["key"] for option in options}
    if qtype == QuestionType.SINGLE:
        if isinstance(answer, str) and answer.strip().upper() in keys:
            return answer.strip().upper()
        raise _invalid("单选题请选择一个选项")
    if qtype == QuestionType.MULTIPLE:
        if isinstance(answer, list) and all(isinstance(k, str) for k in answer):
            chosen = sorted({k.strip().upper() for k in answer})
            if set(chosen) <= keys:
                return chosen
        raise _invalid("多选题请选择选项列表")
    if qtype == QuestionType.JUDGE:
        if isinstance(answer, bool):
            return answer
        raise _invalid("判断题请回答 true 或 false")
    if qtype == QuestionType.FILL:
        if isinstance(answer, str):
            answer = [answer]
        if (
            isinstance(answer, list)
            and len(answer) <= max(blanks, 1)
            and all(isinstance(text, str) and len(text) <= MAX_BLANK for text in answer)
        ):
            return answer
        raise _invalid(f"填空题请按空填写（共{blanks}空）")
    if (
        isinstance(answer, str) and len(answer) <= MAX_TEXT
    ):  # essay, photo (a note beside the photos)
        return answer
    raise _invalid(f"作答内容过长或格式不正确（最多{MAX_TEXT}字）")


def _invalid(reason: str) -> InvalidInput:
    return InvalidInput("INVALID_ANSWER", errors={"answer": [reason]})


def normalize_text(text: str) -> str:
    """Fill-in answers compare without case, width or spacing differences."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return re.sub(r"\s+", " ", folded)


def objective_points(qtype: QuestionType, key: Any, answer: Any, points: Decimal) -> Decimal:
    """Points earned on an objective question; fill-in blanks earn their share each. `key` and
    `answer` are as stored (JSON): validated when the question and the answer were saved."""
    points = Decimal(points)
    if answer is None:
        return Decimal("0.00")
    if qtype in (QuestionType.SINGLE, QuestionType.JUDGE):
        return points if answer == key else Decimal("0.00")
    if qtype == QuestionType.MULTIPLE:
        return points if sorted(answer) == sorted(key) else Decimal("0.00")
    if qtype == QuestionType.FILL:
        blanks = key or []
        given = answer if isinstance(answer, list) else [answer]
        right = sum(
            1
            for index, alternatives in enumerate(blanks)
            if index < len(given)
            and normalize_text(given[index]) in {normalize_text(a) for a in alternatives}
        )
        return (
            (points * right / len(blanks)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if blanks
            else Decimal("0.00")
        )
    raise ValueError(f"{qtype} is not an objective question type")
