"""First-start set-up: the admin account and the demo data."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain.actors import Role
from server.domain.catalogue import ExamDraft, create_batch, create_course, create_exam, enrol
from server.domain.clock import utcnow
from server.domain.identity import Passwords, School, User, actor_of, create_staff, default_password


def ensure_admin(
    session: Session, passwords: Passwords, username: str, password: str
) -> str | None:
    """Create the first admin; returns the generated password (to print once), else None."""
    if session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)) is not None:
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    create_staff(
        session, passwords, role=Role.ADMIN, username=username, password=password, school_id=None
    )
    return generated


# Valid mainland ID numbers (checksums correct), one ending in X (FAQ 13), and a Hong Kong
# ID with parentheses (FAQ 19).
DEMO_STUDENTS = (
    ("2026001", "110101200001011232", "张三"),
    ("2026002", "11010120000101197X", "李四"),
    ("2026003", "A123456(7)", "王五"),
    ("2026004", "440305200203041512", "赵六"),
)


@dataclass
class DemoLogins:
    teacher: tuple[str, str]
    students: list[tuple[str, str, str]] = field(default_factory=list)


def load_demo_data(
    session: Session, passwords: Passwords, teacher_password: str
) -> DemoLogins | None:
    """A school, a teacher, students, a batch, a course and an open exam (empty databases only)."""
    if session.scalar(select(func.count()).select_from(School)):
        return None
    school = School(name="示范中学")
    session.add(school)
    session.commit()
    teacher = create_staff(
        session,
        passwords,
        role=Role.TEACHER,
        username="teacher",
        password=teacher_password,
        school_id=school.id,
        name="示范老师",
    )
    actor = actor_of(teacher)
    students = []
    for student_no, id_number, name in DEMO_STUDENTS:
        student = User(
            role=Role.CANDIDATE,
            school_id=school.id,
            student_no=student_no,
            id_number=id_number.upper(),
            name=name,
        )
        session.add(student)
        students.append(student)
    session.commit()
    batch = create_batch(session, actor, "2026年秋季考试批")
    course = create_course(session, actor, "MATH101", "高等数学")
    now = utcnow()
    exam = create_exam(
        session,
        actor,
        ExamDraft(
            batch_id=batch.id,
            course_id=course.id,
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(hours=3),
            duration_minutes=120,
            # The demo students have no base photos yet; a teacher uploads them in the console.
            face_check_required=False,
        ),
    )
    enrol(session, actor, exam.id, [student.id for student in students])
    return DemoLogins(
        teacher=("teacher", teacher_password),
        students=[
            (student_no, id_number.upper(), default_password(id_number.upper()))
            for student_no, id_number, _name in DEMO_STUDENTS
        ],
    )
