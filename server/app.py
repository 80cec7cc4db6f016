"""Flask application factory."""

from __future__ import annotations

import logging
import secrets
from typing import cast

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from server.app_services import init_services
from server.config import Settings, load_settings
from server.domain.database import MAX_INT4


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.MAX_UPLOAD_BYTES,
        JSON_AS_ASCII=False,
        API_TITLE="考试云 Exam Cloud API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="v1/openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/static/",
        API_SPEC_OPTIONS={
            "security": [{"bearerAuth": []}],
            "info": {"description": "考试云 public API. Errors: {code, message (中文), faq}."},
        },
    )
    cast(
        DefaultJSONProvider, app.json
    ).ensure_ascii = False  # app.json is typed as the base provider
    # Bearer tokens only: no cookie session to sign or verify on every request.
    app.session_interface = NoCookieSession()
    # Ids in paths are database integers: a larger number is simply not found (404).
    app.url_map.converters["int"] = DatabaseIdConverter
    if settings.PROXY_HOPS:
        # nginx in front sets X-Forwarded-For; the login limits key on the real client address.
        hops = settings.PROXY_HOPS
        # Flask's documented way to add WSGI middleware; its stubs declare wsgi_app a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    _configure_logging()
    init_services(app, settings)

    from server.api import init_api
    from server.cli import register_cli

    init_api(app)
    register_cli(app)

    @app.before_request
    def _assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = (
            incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else secrets.token_hex(8)
        )

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response

    return app


class NoCookieSession(SessionInterface):
    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        return None


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` bounded to PostgreSQL's integer, the type of every id column."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT4)
        super().__init__(map, *args, **kwargs)


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
