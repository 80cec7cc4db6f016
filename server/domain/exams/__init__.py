"""Exams as candidates take them: the question bank, drawing papers, attempts, answers and autosave,
grading, and what a candidate may enter.
"""

from server.domain.exams.answering import PHOTO_QUESTION_TYPES, get_question, heartbeat, save_answer
from server.domain.exams.attempts import (
    AttemptPolicy,
    auto_submit_if_due,
    check_job_id,
    due_for_auto_submit,
    grade_job_id,
    lock_attempt,
    next_check,
    relock_attempt,
    require_event_access,
    start_or_resume,
    stuck_in_grading,
    submit,
)
from server.domain.exams.entry import ExamState, my_exam, my_exams
from server.domain.exams.grading import (
    RESULT_MESSAGES,
    attempts_of_exam,
    get_result,
    grade_attempt,
    mark_answer,
)
from server.domain.exams.models import (
    AnswerPhoto,
    AnswerPhotoStatus,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Question,
    QuestionType,
    ResultStatus,
    ReviewDecision,
    SubmitReason,
)
from server.domain.exams.papers import get_paper_rule, set_paper_rule, total_score
from server.domain.exams.question_bank import add_question, import_questions, question_query

__all__ = [
    "AnswerPhoto",
    "AnswerPhotoStatus",
    "Attempt",
    "AttemptPolicy",
    "AttemptQuestion",
    "AttemptStatus",
    "ExamState",
    "PHOTO_QUESTION_TYPES",
    "Question",
    "QuestionType",
    "RESULT_MESSAGES",
    "ResultStatus",
    "ReviewDecision",
    "SubmitReason",
    "add_question",
    "attempts_of_exam",
    "auto_submit_if_due",
    "check_job_id",
    "due_for_auto_submit",
    "get_paper_rule",
    "get_question",
    "get_result",
    "grade_attempt",
    "grade_job_id",
    "heartbeat",
    "import_questions",
    "lock_attempt",
    "mark_answer",
    "my_exam",
    "my_exams",
    "next_check",
    "question_query",
    "relock_attempt",
    "require_event_access",
    "save_answer",
    "set_paper_rule",
    "start_or_resume",
    "stuck_in_grading",
    "submit",
    "total_score",
]
