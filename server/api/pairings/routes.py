"""The phone companion (FAQ 21, 22): QR codes on the desktop, pairing and uploads on the phone."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from functools import wraps
from typing import cast

from flask import current_app, jsonify
from flask.json.provider import DefaultJSONProvider

from server.api.auth import autocommit_db, current_actor, db
from server.api.blueprint import Blueprint
from server.api.json_body import json_body
from server.api.pairings.schemas import (
    PairingSchema,
    PhotoUploadSchema,
    QrCodeRequestSchema,
    QrCodeSchema,
    RedeemSchema,
    UploadedPhotoSchema,
    UploadFormSchema,
)
from server.api.proctoring.schemas import SnapshotSchema
from server.api.uploads import photo_upload_errors, uploaded_file
from server.app_services import services
from server.domain import companion, exams
from server.domain.actors import Role

blp = Blueprint(
    "pairings", __name__, description="手机伴侣（扫码上传、第二机位）", roles=(Role.PHONE,)
)


_QR_CODE_SCHEMA = QrCodeSchema()  # the qrcode view dumps its answers itself (below); one instance


def _own_attempt(attempt_id: int, **_path) -> None:
    """404 for another candidate's attempt, before its request body is looked at."""
    exams.require_own_attempt(lambda: db().connection(), current_actor(), attempt_id)


def _before_body(check: Callable[..., object]) -> Callable:
    """Run `check` with the URL arguments before the request's form is parsed (a multipart
    body too: a stranger's attempt is a 404 whatever was sent, even past the size limit)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            check(**kwargs)
            return view(*args, **kwargs)

        return wrapper

    return decorator


@blp.route(
    "/attempts/<int:attempt_id>/questions/<int:n>/qrcode", methods=["POST"], roles=(Role.CANDIDATE,)
)
# @blp.arguments without webargs' per-request cost, and with ownership first.
@json_body(blp, QrCodeRequestSchema(), before=_own_attempt)
@blp.response(200, QrCodeSchema)
def qrcode(payload, attempt_id, n):
    """Question n's QR code for the phone; asked again with over a minute left, the same one."""
    app = services()
    # autocommit_db itself, not a connection: a re-request answered from memory checks out none.
    code = companion.issue_code(
        autocommit_db,
        current_actor(),
        attempt_id,
        n,
        payload["purpose"],
        app.pairing_policy,
        app.issued_codes,
    )
    # A code's answer never changes: made (and dumped as @blp.response would) the first time,
    # its bytes are sent again to a re-request. A Response passes @blp.response unchanged.
    body = app.issued_codes.answer(code.scene)
    if body is not None:
        mimetype = cast(
            DefaultJSONProvider, current_app.json
        ).mimetype  # typed as the base provider
        return current_app.response_class(body, mimetype=mimetype)
    rendered = companion.render_code(app.qr, code.scene)
    response = jsonify(
        _QR_CODE_SCHEMA.dump(
            {
                "scene": code.scene,
                "url": rendered.url,
                "png": base64.b64encode(rendered.png).decode(),
                "content_type": rendered.content_type,
                "expires_at": code.expires_at,
                "mode": rendered.mode,
                "n": code.n,
                "purpose": code.purpose,
            }
        )
    )
    app.issued_codes.keep_answer(code.scene, response.get_data())
    return response


@blp.route("/pairings", methods=["POST"])
@blp.arguments(RedeemSchema)
@blp.response(200, PairingSchema)
def redeem(payload):
    """Redeem a scanned code: this phone may then upload for that attempt and question."""
    app = services()
    paired = companion.redeem(
        db(), current_actor(), payload["scene"], app.pairing_policy, app.events
    )
    app.issued_codes.forget(payload["scene"])  # the desktop's next request gets a fresh code
    return paired


@blp.route("/pairings/<int:pairing_id>", methods=["DELETE"], roles=(Role.PHONE, Role.CANDIDATE))
@blp.response(204)
def unpair(pairing_id):
    """End a pairing (the phone holding it, or the candidate): its uploads stop at once."""
    pairing = companion.end_pairing(db(), current_actor(), pairing_id, services().events)
    services().issued_codes.forget(pairing.scene)  # an unscanned code is not shown again


@blp.route("/pairings/<int:pairing_id>/photos", methods=["POST"])
@blp.arguments(UploadFormSchema, location="form")
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(202, UploadedPhotoSchema)
@photo_upload_errors(blp)
def upload_photo(form, _files, pairing_id):
    """Upload an answer photo (camera or album, any size); the desktop sees it when it is ready."""
    data, _name = uploaded_file()
    return companion.upload_answer_photo(
        db(), current_actor(), pairing_id, _upload_id(form), data, _photo_intake()
    )


@blp.route(
    "/attempts/<int:attempt_id>/questions/<int:n>/photos",
    methods=["POST"],
    roles=(Role.CANDIDATE,),
)
@_before_body(_own_attempt)
@blp.arguments(UploadFormSchema, location="form")
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(202, UploadedPhotoSchema)
@photo_upload_errors(blp)
def upload_desktop_photo(form, _files, attempt_id, n):
    """Upload an answer photo from this computer; it arrives as a phone's photo would."""
    data, _name = uploaded_file()
    return companion.upload_desktop_photo(
        db(), current_actor(), attempt_id, n, _upload_id(form), data, _photo_intake()
    )


def _upload_id(form: dict) -> str:
    return form.get("upload_id") or secrets.token_hex(16)


def _photo_intake() -> companion.PhotoIntake:
    app = services()
    return companion.PhotoIntake(
        app.storage, app.settings.MAX_UPLOAD_BYTES, app.jobs, app.events, app.upload_quotas
    )


@blp.route("/pairings/<int:pairing_id>/snapshots", methods=["POST"])
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(202, SnapshotSchema)
@photo_upload_errors(blp)
def upload_snapshot(_files, pairing_id):
    """A second-camera frame (every few seconds); analysed for proctoring flags."""
    data, _name = uploaded_file()
    app = services()
    return companion.second_camera_snapshot(
        db(),
        current_actor(),
        pairing_id,
        data,
        app.storage,
        app.settings.MAX_UPLOAD_BYTES,
        app.jobs,
        app.upload_quotas,
    )


@blp.route(
    "/attempts/<int:attempt_id>/photos/<int:photo_id>", methods=["DELETE"], roles=(Role.CANDIDATE,)
)
@blp.response(200, UploadedPhotoSchema)
def remove_photo(attempt_id, photo_id):
    """Remove an answer photo from its question (on the desktop, while the exam is open)."""
    return companion.remove_answer_photo(db(), current_actor(), attempt_id, photo_id)
