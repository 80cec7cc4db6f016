"""The question bank of a course: validation per question type, and bulk import with a report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.domain.actors import Actor
from server.domain.catalogue import Course, get_course
from server.domain.errors import InvalidInput
from server.domain.exams.models import Question, QuestionType
from server.domain.import_report import ImportReport, RowError
from server.domain.spreadsheets import xlsx_rows

MAX_STEM = 20000
MAX_OPTIONS = 12
JUDGE_OPTIONS = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
TYPE_NAMES = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.JUDGE: "判断题",
    QuestionType.FILL: "填空题",
    QuestionType.ESSAY: "简答题",
    QuestionType.PHOTO: "拍照题",
}
# Import files may name types in Chinese.
TYPE_ALIASES = {
    **{name: qtype for qtype, name in TYPE_NAMES.items()},
    **{qtype.value: qtype for qtype in QuestionType},
}


# An answer key as stored: single an option key, multiple option keys, judge true/false, fill
# the accepted alternatives of each blank, essay/photo an optional reference text.
AnswerKey = str | bool | list[str] | list[list[str]] | None


class BadQuestion(ValueError):
    """The reason is Chinese; `field` names the offending field."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.field = field


@dataclass(frozen=True)
class QuestionDraft:
    type: QuestionType
    stem: str
    options: list[dict[str, str]]
    answer: AnswerKey
    score: Decimal
    external_id: str | None = None


def validate_question(raw: dict[str, Any]) -> QuestionDraft:
    """Check one question's shape for its type; raises BadQuestion."""
    if _contains_nul(raw):
        raise BadQuestion("题目内容不能包含空字符", "stem")
    qtype = TYPE_ALIASES.get(str(raw.get("type") or "").strip().lower()) or TYPE_ALIASES.get(
        str(raw.get("type") or "").strip()
    )
    if qtype is None:
        raise BadQuestion("题型必须是 single、multiple、judge、fill、essay、photo 之一", "type")
    stem = str(raw.get("stem") or "").strip()
    if not stem:
        raise BadQuestion("题干不能为空", "stem")
    if len(stem) > MAX_STEM:
        raise BadQuestion(f"题干过长（最多{MAX_STEM}字）", "stem")
    score = _score(raw.get("score"))
    options = _options(raw.get("options"), qtype)
    answer = _answer(raw.get("answer"), qtype, options)
    external_id = (
        str(raw["external_id"]).strip()[:64] if raw.get("external_id") not in (None, "") else None
    )
    return QuestionDraft(qtype, stem, options, answer, score, external_id)


def _contains_nul(value: object) -> bool:
    """The database cannot store NUL in text; imported files may carry it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


def _score(value: object) -> Decimal:
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BadQuestion("分值必须是数字", "score") from None
    if not score.is_finite() or score <= 0 or score > 1000:
        raise BadQuestion("分值必须大于0且不超过1000", "score")
    return score.quantize(Decimal("0.01"))


def _options(value: object, qtype: QuestionType) -> list[dict[str, str]]:
    if qtype == QuestionType.JUDGE:
        return JUDGE_OPTIONS
    if qtype not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return []
    if isinstance(value, dict):
        value = [{"key": key, "text": text} for key, text in value.items()]
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_OPTIONS:
        raise BadQuestion(f"选择题需要2到{MAX_OPTIONS}个选项", "options")
    options: list[dict[str, str]] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or not str(item.get("key") or "").strip()
            or not str(item.get("text") or "").strip()
        ):
            raise BadQuestion("每个选项需要 key 和 text", "options")
        options.append({"key": str(item["key"]).strip().upper(), "text": str(item["text"]).strip()})
    if len({option["key"] for option in options}) != len(options):
        raise BadQuestion("选项标识重复", "options")
    return options


def _answer(value: object, qtype: QuestionType, options: list[dict[str, str]]) -> AnswerKey:
    keys = {option["key"] for option in options}
    if qtype == QuestionType.SINGLE:
        key = str(value or "").strip().upper()
        if key not in keys:
            raise BadQuestion("单选题答案必须是一个选项标识", "answer")
        return key
    if qtype == QuestionType.MULTIPLE:
        if isinstance(value, str):
            value = list(value.replace(",", "").replace("，", "").replace(" ", ""))
        # Anything but a list (a number) is no answer, as an empty one is.
        given = value if isinstance(value, (list, dict)) else []
        chosen = sorted({str(key).strip().upper() for key in given})
        if not chosen or not set(chosen) <= keys:
            raise BadQuestion("多选题答案必须是选项标识的列表", "answer")
        return chosen
    if qtype == QuestionType.JUDGE:
        if isinstance(value, str):
            value = {
                "T": True,
                "TRUE": True,
                "对": True,
                "正确": True,
                "√": True,
                "F": False,
                "FALSE": False,
                "错": False,
                "错误": False,
                "×": False,
            }.get(value.strip().upper())
        if not isinstance(value, bool):
            raise BadQuestion("判断题答案必须是 true 或 false", "answer")
        return value
    if qtype == QuestionType.FILL:
        if isinstance(value, str):
            value = value.split("|")
        blanks: list[list[str]] = []
        for blank in value if isinstance(value, (list, dict)) else []:  # a number is no answer
            alternatives = blank if isinstance(blank, list) else str(blank).split("/")
            alternatives = [str(text).strip() for text in alternatives if str(text).strip()]
            if not alternatives:
                raise BadQuestion("填空题每个空都需要答案", "answer")
            blanks.append(alternatives)
        if not blanks:
            raise BadQuestion(
                "填空题需要答案（多个空用 | 分隔，同一空的多个答案用 / 分隔）", "answer"
            )
        return blanks
    # essay and photo: an optional reference answer for the marker.
    return str(value).strip() if value not in (None, "") else None


# --- teacher operations ---


def add_question(session: Session, actor: Actor, course_id: int, raw: dict[str, Any]) -> Question:
    course = get_course(session, actor, course_id)
    try:
        draft = validate_question(raw)
    except BadQuestion as exc:
        raise InvalidInput("INVALID_QUESTION", errors={exc.field: [str(exc)]}) from exc
    question = _new_question(course, draft)
    session.add(question)
    session.commit()
    return question


def question_query(
    session: Session, actor: Actor, course_id: int, qtype: QuestionType | None = None
) -> Select[Question]:
    course = get_course(session, actor, course_id)
    query = select(Question).where(Question.course_id == course.id).order_by(Question.id)
    if qtype:
        query = query.where(Question.type == qtype)
    return query


def count_by_type(session: Session, course_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Question.type, func.count())
        .where(Question.course_id == course_id)
        .group_by(Question.type)
    )
    return dict(rows.all())


def import_questions(
    session: Session, actor: Actor, course_id: int, data: bytes, filename: str, max_rows: int
) -> ImportReport:
    """JSON (a list of questions) or XLSX (题型, 题干, 选项, 答案, 分值[, 编号]); a report per
    row."""
    course = get_course(session, actor, course_id)
    rows = _read_question_rows(data, filename, max_rows)
    existing = list(session.scalars(select(Question).where(Question.course_id == course.id)))
    by_external = {q.external_id: q for q in existing if q.external_id}
    by_content = {(q.type, q.stem): q for q in existing}
    report = ImportReport()
    for line, raw in rows:
        try:
            draft = validate_question(raw)
        except BadQuestion as exc:
            report.errors.append(RowError(line, str(exc), exc.field))
            continue
        same = (
            by_external.get(draft.external_id)
            if draft.external_id
            else by_content.get((draft.type, draft.stem))
        )
        if same is not None:
            if _same_content(same, draft):
                report.unchanged += 1
            else:
                report.errors.append(
                    RowError(line, "编号或题干已存在但内容不同，请核对", "external_id")
                )
            continue
        question = _new_question(course, draft)
        session.add(question)
        by_content[(draft.type, draft.stem)] = question
        if draft.external_id:
            by_external[draft.external_id] = question
        report.created += 1
    session.commit()
    return report


def _new_question(course: Course, draft: QuestionDraft) -> Question:
    return Question(
        school_id=course.school_id,
        course_id=course.id,
        external_id=draft.external_id,
        type=draft.type,
        stem=draft.stem,
        options=draft.options,
        answer=draft.answer,
        score=draft.score,
    )


def _same_content(question: Question, draft: QuestionDraft) -> bool:
    return (
        question.type,
        question.stem,
        question.options,
        question.answer,
        Decimal(question.score),
    ) == (draft.type, draft.stem, draft.options, draft.answer, draft.score)


_XLSX_HEADERS = {
    "type": ("题型", "type"),
    "stem": ("题干", "stem"),
    "options": ("选项", "options"),
    "answer": ("答案", "answer"),
    "score": ("分值", "score"),
    "external_id": ("编号", "external_id"),
}


def _read_question_rows(
    data: bytes, filename: str, max_rows: int
) -> list[tuple[int, dict[str, Any]]]:
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        rows = _xlsx_question_rows(data, max_rows)
    else:
        try:
            items = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput("QUESTION_IMPORT_BAD_FILE") from exc
        if isinstance(items, dict):
            items = items.get("questions")
        if not isinstance(items, list):
            raise InvalidInput("QUESTION_IMPORT_BAD_FILE")
        rows = [
            (index, item if isinstance(item, dict) else {})
            for index, item in enumerate(items, start=1)
        ]
    if not rows:
        raise InvalidInput("IMPORT_EMPTY")
    if len(rows) > max_rows:
        raise InvalidInput("IMPORT_TOO_MANY_ROWS", max_rows=max_rows)
    return rows


def _xlsx_question_rows(data: bytes, max_rows: int) -> list[tuple[int, dict[str, Any]]]:
    """The sheet's question rows, read one at a time: past max_rows the rest is never read."""
    table = xlsx_rows(data, "QUESTION_IMPORT_BAD_FILE", max_rows)
    header = next(table, None)
    if header is None:
        raise InvalidInput("IMPORT_EMPTY")
    names = [str(cell or "").strip().lower() for cell in header]
    columns = {
        key: names.index(alias)
        for key, aliases in _XLSX_HEADERS.items()
        for alias in aliases
        if alias in names
    }
    if not {"type", "stem", "answer", "score"} <= set(columns):
        raise InvalidInput("QUESTION_IMPORT_BAD_HEADER")
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, values in enumerate(table, start=2):
        if not any(str(value or "").strip() for value in values):
            continue
        if len(rows) >= max_rows:
            raise InvalidInput("IMPORT_TOO_MANY_ROWS", max_rows=max_rows)
        raw: dict[str, Any] = {
            key: values[index] if index < len(values) else None for key, index in columns.items()
        }
        raw["options"] = _xlsx_options(raw.get("options"))
        rows.append((line, raw))
    return rows


def _xlsx_options(cell: object) -> list[dict[str, str]]:
    """`A.北京|B.上海` or one option per line."""
    text = str(cell or "").strip()
    parts = [part.strip() for part in text.replace("\n", "|").split("|") if part.strip()]
    options = []
    for part in parts:
        key, sep, label = part.partition(".")
        if not sep:
            key, sep, label = part.partition("、")
        options.append({"key": key.strip(), "text": label.strip()})
    return options
