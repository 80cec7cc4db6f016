"""Routes of the web clients (outside /api/v1): page shells and their static files."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template

# Templates in server/templates; scripts and styles in server/static, served by the app's own
# /static route.
web = Blueprint("web", __name__)

# Only our own scripts and styles; photos and QR codes are data:/blob: URLs or from this server
# (or, with S3 storage, presigned URLs on the storage host, hence img-src https:).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob: https: http:; media-src 'self' blob: mediastream:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@web.after_request
def _page_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@web.get("/")
def home():
    return redirect("/exam/")


@web.get("/exam/")
def exam_page():
    """The desktop exam page (考生端)."""
    return render_template("exam/index.html")


@web.get("/console/")
def console_page():
    """The teacher console (管理端)."""
    return render_template("console/index.html")


@web.get("/favicon.ico")
def favicon():
    """No icon (browsers ask for one on every page; a 404 would be noise in their consoles)."""
    return "", 204
