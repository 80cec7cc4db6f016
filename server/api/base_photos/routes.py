"""Base photos (底照, FAQ 7, 8): teacher uploads, zips, and students' replacement requests."""

from __future__ import annotations

from functools import wraps

from flask import request

from server.api.auth import current_actor, db
from server.api.base_photos.schemas import (
    BasePhotoRequestSchema,
    BasePhotoSchema,
    BasePhotoStateSchema,
    DecisionSchema,
    PhotoFileSchema,
    RequestQuerySchema,
    ReviewedRequestSchema,
    ZipFileSchema,
    ZipQuerySchema,
    ZipReportSchema,
)
from server.api.blueprint import Blueprint
from server.api.pagination import paginate
from server.api.uploads import photo_upload_errors, uploaded_file, uploaded_stream
from server.app_services import services
from server.domain import faces
from server.domain.actors import STAFF_ROLES, Role

blp = Blueprint("base_photos", __name__, description="底照", roles=STAFF_ROLES)


def zip_body_limit(view):
    """A school's zip is larger than one photo: raise this request's body limit before parsing."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = services().settings.BASE_PHOTO_ZIP_MAX_BYTES
        return view(*args, **kwargs)

    return wrapper


@blp.route("/students/<int:student_id>/base-photo", methods=["PUT"])
@blp.arguments(PhotoFileSchema, location="files")
@blp.response(202, BasePhotoSchema)
@photo_upload_errors(blp, rate_limited=False)
def upload_base_photo(_files, student_id):
    """Upload a student's base photo; it becomes active once a worker finds one clear face in it."""
    data, _name = uploaded_file()
    app = services()
    return faces.upload_base_photo(
        db(),
        current_actor(),
        student_id,
        data,
        app.storage,
        app.settings.MAX_UPLOAD_BYTES,
        app.jobs,
    )


@blp.route("/students/<int:student_id>/base-photo", methods=["GET"])
@blp.response(200, BasePhotoStateSchema)
def get_base_photo(student_id):
    """A student's active base photo and newest upload."""
    return faces.base_photo_state(db(), current_actor(), student_id)


@blp.route("/me/base-photo", methods=["GET"], roles=(Role.CANDIDATE,))
@blp.response(200, BasePhotoStateSchema)
def my_base_photo():
    """The candidate's own base photo, shown beside the face-check capture."""
    return faces.base_photo_state(db(), current_actor(), current_actor().user_id)


@blp.route("/students/base-photos", methods=["POST"])
@zip_body_limit
@blp.arguments(ZipQuerySchema, location="query")
@blp.arguments(ZipFileSchema, location="files")
@blp.response(200, ZipReportSchema)
def import_base_photos(query, _files):
    """Upload base photos in bulk: a zip of `<student_no>.jpg`; answers a per-file report."""
    archive = uploaded_stream()  # spooled to a temporary file, never read into memory whole
    app = services()
    limits = faces.ZipLimits(
        max_files=app.settings.BASE_PHOTO_ZIP_MAX_FILES,
        max_total_bytes=app.settings.BASE_PHOTO_ZIP_MAX_BYTES,
        max_photo_bytes=app.settings.MAX_UPLOAD_BYTES,
    )
    return faces.import_base_photo_zip(
        db(),
        current_actor(),
        archive,
        app.storage,
        limits,
        app.jobs,
        school_id=query.get("school_id"),
    )


@blp.route("/me/base-photo-requests", methods=["POST"], roles=(Role.CANDIDATE,))
@blp.arguments(PhotoFileSchema, location="files")
@blp.response(202, BasePhotoRequestSchema)
@photo_upload_errors(blp)
def create_request(_files):
    """Ask for a new base photo with an ID photo from the phone album; a teacher decides."""
    data, _name = uploaded_file()
    app = services()
    return faces.create_request(
        db(),
        current_actor(),
        data,
        app.storage,
        app.settings.MAX_UPLOAD_BYTES,
        app.jobs,
        app.upload_quotas,
    )


@blp.route("/me/base-photo-requests", methods=["GET"], roles=(Role.CANDIDATE,))
@blp.response(200, BasePhotoRequestSchema(many=True))
def my_requests():
    """The candidate's own requests, newest first."""
    return faces.my_requests(db(), current_actor())


@blp.route("/base-photo-requests", methods=["GET"])
@blp.arguments(RequestQuerySchema, location="query")
@blp.response(200, ReviewedRequestSchema(many=True))
@blp.paginate()
def list_requests(query, pagination_parameters):
    """Replacement requests of the teacher's school, with both photos and the match score."""
    return paginate(
        faces.request_query(current_actor(), query.get("status")), pagination_parameters
    )


@blp.route("/base-photo-requests/<int:request_id>/approve", methods=["POST"])
@blp.arguments(DecisionSchema)
@blp.response(200, ReviewedRequestSchema)
def approve_request(payload, request_id):
    """Approve: the photo becomes the student's base photo (the old one is kept for audit)."""
    return faces.decide_request(db(), current_actor(), request_id, True, payload.get("note"))


@blp.route("/base-photo-requests/<int:request_id>/reject", methods=["POST"])
@blp.arguments(DecisionSchema)
@blp.response(200, ReviewedRequestSchema)
def reject_request(payload, request_id):
    """Reject: the base photo stays as it is."""
    return faces.decide_request(db(), current_actor(), request_id, False, payload.get("note"))
