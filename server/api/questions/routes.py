"""Question bank and paper rules (调卷规则)."""

from __future__ import annotations

from flask.views import MethodView

from server.api.auth import current_actor, db
from server.api.blueprint import Blueprint
from server.api.pagination import paginate
from server.api.questions.schemas import (
    PaperRuleInSchema,
    PaperRuleSchema,
    QuestionCreateSchema,
    QuestionQuerySchema,
    QuestionSchema,
)
from server.api.schemas import ImportFileSchema, ImportReportSchema
from server.api.uploads import uploaded_file
from server.app_services import services
from server.domain import exams
from server.domain.actors import STAFF_ROLES

blp = Blueprint("questions", __name__, description="题库与调卷规则", roles=STAFF_ROLES)


@blp.route("/courses/<int:course_id>/questions")
class Questions(MethodView):
    @blp.arguments(QuestionQuerySchema, location="query")
    @blp.response(200, QuestionSchema(many=True))
    @blp.paginate()
    def get(self, query, course_id, pagination_parameters):
        """List a course's questions (with answer keys: teachers only)."""
        statement = exams.question_query(db(), current_actor(), course_id, query.get("type"))
        return paginate(statement, pagination_parameters)

    @blp.arguments(QuestionCreateSchema)
    @blp.response(201, QuestionSchema)
    def post(self, payload, course_id):
        """Add a question to a course's bank."""
        return exams.add_question(db(), current_actor(), course_id, payload)


@blp.route("/courses/<int:course_id>/questions/import", methods=["POST"])
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportReportSchema)
def import_questions(_files, course_id):
    """Import questions from JSON or XLSX; answers a per-row report."""
    data, filename = uploaded_file()
    return exams.import_questions(
        db(),
        current_actor(),
        course_id,
        data,
        filename,
        services().settings.QUESTION_IMPORT_MAX_ROWS,
    )


@blp.route("/exams/<int:exam_id>/paper-rule")
class PaperRules(MethodView):
    @blp.response(200, PaperRuleSchema)
    def get(self, exam_id):
        """An exam's paper rule; PAPER_RULE_MISSING when it has none (FAQ 14)."""
        return _rule_out(exams.get_paper_rule(db(), current_actor(), exam_id))

    @blp.arguments(PaperRuleInSchema)
    @blp.response(200, PaperRuleSchema)
    def put(self, payload, exam_id):
        """Set an exam's paper rule; refused when the bank cannot supply it."""
        return _rule_out(exams.set_paper_rule(db(), current_actor(), exam_id, payload["sections"]))


def _rule_out(rule):
    return {
        "exam_id": rule.exam_id,
        "sections": rule.sections,
        "total_score": exams.total_score(rule),
    }
