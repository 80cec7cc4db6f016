"""Catalogue: batches (考试批), courses, exams with their paper rules, and enrolment."""

from server.domain.catalogue.models import Course, Enrolment, Exam, PaperRule
from server.domain.catalogue.services import (
    ExamDraft,
    batch_query,
    course_query,
    create_batch,
    create_course,
    create_exam,
    deadline_of,
    enrol,
    enrolment_query,
    exam_query,
    get_course,
    get_exam,
)

__all__ = [
    "Course",
    "Enrolment",
    "Exam",
    "ExamDraft",
    "PaperRule",
    "batch_query",
    "course_query",
    "create_batch",
    "create_course",
    "create_exam",
    "deadline_of",
    "enrol",
    "enrolment_query",
    "exam_query",
    "get_course",
    "get_exam",
]
