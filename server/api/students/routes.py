"""Students (candidates): create, list, import, reset password."""

from __future__ import annotations

from flask.views import MethodView

from server.api.auth import current_actor, db
from server.api.blueprint import Blueprint
from server.api.pagination import paginate
from server.api.schemas import ImportFileSchema, ImportReportSchema
from server.api.students.schemas import (
    ImportQuerySchema,
    StudentCreateSchema,
    StudentQuerySchema,
    StudentSchema,
)
from server.api.uploads import uploaded_file
from server.app_services import services
from server.domain import identity
from server.domain.actors import STAFF_ROLES

blp = Blueprint("students", __name__, description="学生管理", roles=STAFF_ROLES)


@blp.route("/students")
class Students(MethodView):
    @blp.arguments(StudentQuerySchema, location="query")
    @blp.response(200, StudentSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List students of the teacher's school; search by number, ID number or name."""
        statement = identity.student_query(current_actor(), query.get("q"))
        return paginate(statement, pagination_parameters)

    @blp.arguments(StudentCreateSchema)
    @blp.response(201, StudentSchema)
    def post(self, payload):
        """Create a student; the default password follows the FAQ rules."""
        return identity.create_student(db(), current_actor(), **payload)


@blp.route("/students/<int:student_id>")
@blp.response(200, StudentSchema)
def get_student(student_id):
    """One student of the teacher's school."""
    return identity.get_student(db(), current_actor(), student_id)


@blp.route("/students/<int:student_id>/reset-password", methods=["POST"])
@blp.response(200, StudentSchema)
def reset_password(student_id):
    """Reset a student's password to the default (FAQ 1, 12): every login session of the student
    ends and their failed-login counts are cleared."""
    return identity.reset_password(db(), current_actor(), student_id, services().guard)


@blp.route("/students/import", methods=["POST"])
@blp.arguments(ImportQuerySchema, location="query")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportReportSchema)
def import_students(query, _files):
    """Import students from CSV or XLSX; answers a per-row report."""
    data, filename = uploaded_file()
    rows = identity.read_rows(data, filename, services().settings.IMPORT_MAX_ROWS)
    return identity.import_students(db(), current_actor(), rows, school_id=query.get("school_id"))
