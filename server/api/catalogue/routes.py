"""Batches, courses, exams, enrolments, and the candidate's exam list."""

from __future__ import annotations

from flask.views import MethodView

from server.api.auth import current_actor, db
from server.api.blueprint import Blueprint
from server.api.catalogue.schemas import (
    BatchCreateSchema,
    BatchSchema,
    CourseCreateSchema,
    CourseSchema,
    EnrolledStudentSchema,
    EnrolResultSchema,
    EnrolSchema,
    ExamCreateSchema,
    ExamQuerySchema,
    ExamSchema,
    MyExamSchema,
)
from server.api.pagination import paginate
from server.domain import catalogue, exams
from server.domain.actors import STAFF_ROLES, Role

blp = Blueprint("catalogue", __name__, description="考试批、课程与考试", roles=STAFF_ROLES)


@blp.route("/batches")
class Batches(MethodView):
    @blp.response(200, BatchSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List batches (考试批) of the teacher's school."""
        return paginate(catalogue.batch_query(current_actor()), pagination_parameters)

    @blp.arguments(BatchCreateSchema)
    @blp.response(201, BatchSchema)
    def post(self, payload):
        """Create a batch (考试批)."""
        return catalogue.create_batch(
            db(), current_actor(), payload["name"], payload.get("school_id")
        )


@blp.route("/courses")
class Courses(MethodView):
    @blp.response(200, CourseSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List courses of the teacher's school."""
        return paginate(catalogue.course_query(current_actor()), pagination_parameters)

    @blp.arguments(CourseCreateSchema)
    @blp.response(201, CourseSchema)
    def post(self, payload):
        """Create a course."""
        return catalogue.create_course(
            db(), current_actor(), payload["code"], payload["name"], payload.get("school_id")
        )


@blp.route("/exams")
class Exams(MethodView):
    @blp.arguments(ExamQuerySchema, location="query")
    @blp.response(200, ExamSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List exams of the teacher's school."""
        return paginate(
            catalogue.exam_query(current_actor(), query.get("batch_id")), pagination_parameters
        )

    @blp.arguments(ExamCreateSchema)
    @blp.response(201, ExamSchema)
    def post(self, payload):
        """Create an exam (batch × course) with its window and duration."""
        return catalogue.create_exam(db(), current_actor(), catalogue.ExamDraft(**payload))


@blp.route("/exams/<int:exam_id>")
@blp.response(200, ExamSchema)
def get_exam(exam_id):
    """One exam of the teacher's school."""
    return catalogue.get_exam(db(), current_actor(), exam_id)


@blp.route("/exams/<int:exam_id>/enrolments")
class Enrolments(MethodView):
    @blp.response(200, EnrolledStudentSchema(many=True))
    @blp.paginate()
    def get(self, exam_id, pagination_parameters):
        """List the students enrolled in an exam."""
        return paginate(
            catalogue.enrolment_query(db(), current_actor(), exam_id), pagination_parameters
        )

    @blp.arguments(EnrolSchema)
    @blp.response(200, EnrolResultSchema)
    def post(self, payload, exam_id):
        """Enrol students in an exam (idempotent)."""
        return catalogue.enrol(db(), current_actor(), exam_id, payload["student_ids"])


@blp.route("/me/exams", roles=(Role.CANDIDATE,))
@blp.response(200, MyExamSchema(many=True))
def my_exams():
    """The candidate's exams with state, can_enter and the reason (FAQ 4, 11)."""
    return exams.my_exams(db(), current_actor())


@blp.route("/me/exams/<int:exam_id>", roles=(Role.CANDIDATE,))
@blp.response(200, MyExamSchema)
def my_exam(exam_id):
    """One exam as the candidate sees it; NOT_ENROLLED when not enrolled (FAQ 11)."""
    return exams.my_exam(db(), current_actor(), exam_id)
