"""One error format everywhere: code, Chinese message, faq; no stack trace ever reaches a client."""

import logging
import re

import pytest

from server.app import create_app
from server.domain.error_catalogue import CATALOGUE
from tests.conftest import make_settings

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert body["code"] == code
    assert CHINESE.search(body["message"]), body["message"]
    assert "faq" in body
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_unknown_path_is_404(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "NOT_FOUND")


def test_wrong_method_is_405(client):
    assert_error(client.delete("/api/v1/auth/login"), 405, "METHOD_NOT_ALLOWED")


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_error(response, 400, "BAD_REQUEST")


def test_validation_errors_name_the_fields(client):
    body = assert_error(
        client.post("/api/v1/auth/login", json={"username": ""}), 422, "VALIDATION_ERROR"
    )
    assert set(body["errors"]) == {"username", "password"}


def test_too_large_upload_is_413(service_urls, factory):
    import io

    teacher = factory.login_teacher(factory.teacher(factory.school()))
    app = create_app(make_settings(service_urls, MAX_UPLOAD_BYTES=4096))
    response = app.test_client().post(
        "/api/v1/students/import",
        headers=teacher.headers,
        data={"file": (io.BytesIO(b"x" * 10000), "students.csv")},
        content_type="multipart/form-data",
    )
    assert_error(response, 413, "UPLOAD_TOO_LARGE")


def test_unexpected_error_is_logged_with_request_id_and_hidden(service_urls, caplog):
    app = create_app(make_settings(service_urls))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom", headers={"X-Request-ID": "abcdef1234"})
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["request_id"] == "abcdef1234" == response.headers["X-Request-ID"]
    assert any("abcdef1234" in record.getMessage() and record.exc_info for record in caplog.records)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_catalogue_message_is_chinese(code):
    assert CHINESE.search(CATALOGUE[code].message)
