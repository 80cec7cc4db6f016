"""Face checks at exam entry (FAQ 6-9)."""

from __future__ import annotations

from server.api.auth import current_actor, db
from server.api.blueprint import ANY_ROLE, Blueprint
from server.api.faces.schemas import CaptureSchema, FaceCheckSchema
from server.api.uploads import photo_upload_errors, uploaded_file
from server.app_services import services
from server.domain import faces
from server.domain.actors import Role

blp = Blueprint("faces", __name__, description="人脸识别", roles=(Role.CANDIDATE,))


@blp.route("/exams/<int:exam_id>/face-checks", methods=["POST"])
@blp.arguments(CaptureSchema, location="files")
@blp.response(202, FaceCheckSchema)
@photo_upload_errors(blp)
def create_face_check(_files, exam_id):
    """Send a webcam capture for the entry face check; poll the answer or watch the events.

    A pass admits this login session only: another computer needs its own check."""
    data, _name = uploaded_file()
    app = services()
    return faces.request_face_check(
        db(),
        current_actor(),
        exam_id,
        data,
        app.storage,
        app.settings.MAX_UPLOAD_BYTES,
        app.jobs,
        app.upload_quotas,
    )


@blp.route("/face-checks/<int:check_id>", roles=ANY_ROLE)
@blp.response(200, FaceCheckSchema)
def get_face_check(check_id):
    """A face check's status, reason and score."""
    return faces.get_face_check(db(), current_actor(), check_id)
