from server.app import create_app
from tests.conftest import make_settings


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_unreachable(service_urls):
    from infra.services import free_port

    app = create_app(make_settings(service_urls, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "redis": "unreachable"}


def test_logins_still_work_when_redis_is_down(service_urls, factory):
    """The login limiter fails open to per-process counting; candidates are not locked out."""
    from infra.services import free_port
    from server.domain.identity import default_password

    student = factory.student(factory.school())
    app = create_app(make_settings(service_urls, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    response = app.test_client().post(
        "/api/v1/auth/login",
        json={"username": student.student_no, "password": default_password(student.id_number)},
    )
    assert response.status_code == 200
