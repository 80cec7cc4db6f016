"""The public API v1: flask-smorest blueprints over the domain layer."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from server.api.errors import register_error_handlers
from server.api.schemas import ErrorSchema


class ExamApi(Api):
    """flask-smorest's Api with our error format, documented and handled in one place."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        register_error_handlers(self._app)


def init_api(app: Flask) -> ExamApi:
    from server.api.accounts.routes import blp as accounts_blp
    from server.api.attempts.routes import blp as attempts_blp
    from server.api.base_photos.routes import blp as base_photos_blp
    from server.api.catalogue.routes import blp as catalogue_blp
    from server.api.events.routes import blp as events_blp
    from server.api.faces.routes import blp as faces_blp
    from server.api.files.routes import blp as files_blp
    from server.api.integrity.routes import blp as integrity_blp
    from server.api.pairings.routes import blp as pairings_blp
    from server.api.proctoring.routes import blp as proctoring_blp
    from server.api.questions.routes import blp as questions_blp
    from server.api.students.routes import blp as students_blp
    from server.api.system.routes import blp as system_blp
    from server.api.system.routes import site_blp
    from server.api.web_companion.routes import blp as web_companion_blp
    from server.api.web_companion.routes import page_blp as web_companion_page_blp

    api = ExamApi(app)
    api.register_converter(
        app.url_map.converters["int"],
        lambda converter: {"type": "integer", "minimum": 0, "maximum": converter.max},
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "opaque"}
    )
    for blueprint in (
        system_blp,
        accounts_blp,
        students_blp,
        base_photos_blp,
        catalogue_blp,
        questions_blp,
        faces_blp,
        attempts_blp,
        pairings_blp,
        web_companion_blp,
        events_blp,
        proctoring_blp,
        integrity_blp,
        files_blp,
    ):
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    app.register_blueprint(site_blp)
    app.register_blueprint(web_companion_page_blp)
    from server.web.routes import web

    app.register_blueprint(web)
    return api
