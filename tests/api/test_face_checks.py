"""Face check at exam entry (FAQ 6-9) over the API, with real RQ jobs and the real face engine."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.adapters import faces
from server.domain.faces import FaceCheck
from tests import face_photos
from tests.factories import SAMPLE_BANK, SAMPLE_RULE

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


@pytest.fixture(scope="module")
def engine():
    return faces.warm_up()


@pytest.fixture
def exam_setup(factory):
    """A school, a teacher, a candidate with Yao Ming's base photo, and an exam needing a face
    check."""
    school = factory.school()
    teacher = factory.login_teacher(factory.teacher(school))
    student = factory.student(school)
    exam = factory.exam(school, students=[student], face_check_required=True)
    factory.questions(exam, SAMPLE_BANK)
    factory.paper_rule(exam, SAMPLE_RULE)
    return school, teacher, student, exam


def upload_base_photo(client, teacher, student_id: int, data: bytes):
    return client.put(
        f"/api/v1/students/{student_id}/base-photo",
        headers=teacher.headers,
        data={"file": (io.BytesIO(data), "base.jpg")},
        content_type="multipart/form-data",
    )


def face_check(client, candidate, exam_id: int, data: bytes, name: str = "capture.jpg"):
    return client.post(
        f"/api/v1/exams/{exam_id}/face-checks",
        headers=candidate.headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def checked(client, candidate, exam_id, data, run_media_jobs) -> dict:
    response = face_check(client, candidate, exam_id, data)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "queued"
    assert run_media_jobs() >= 1
    return client.get(
        f"/api/v1/face-checks/{response.get_json()['id']}", headers=candidate.headers
    ).get_json()


@pytest.fixture
def with_base_photo(client, factory, exam_setup, run_media_jobs):
    school, teacher, student, exam = exam_setup
    response = upload_base_photo(client, teacher, student.id, face_photos.YAOMING.read_bytes())
    assert response.status_code == 202 and response.get_json()["status"] == "processing"
    run_media_jobs()
    state = client.get(
        f"/api/v1/students/{student.id}/base-photo", headers=teacher.headers
    ).get_json()
    assert state["active"]["status"] == "active", state
    return school, teacher, factory.login_student(student), exam


def start(client, candidate, exam_id):
    return client.post(f"/api/v1/exams/{exam_id}/attempts", headers=candidate.headers)


def test_same_person_passes_and_opens_the_exam(client, with_base_photo, engine, run_media_jobs):
    _school, _teacher, candidate, exam = with_base_photo
    refused = start(client, candidate, exam.id)
    assert refused.status_code == 403 and refused.get_json()["code"] == "FACE_CHECK_REQUIRED"
    assert refused.get_json()["faq"] == 7

    result = checked(client, candidate, exam.id, face_photos.yao_capture(engine), run_media_jobs)
    assert result["status"] == "passed" and result["reason"] is None, result
    assert result["score"] > face_photos.MATCH_THRESHOLD
    assert start(client, candidate, exam.id).status_code == 200


def test_different_person_fails_as_mismatch(client, with_base_photo, engine, run_media_jobs):
    _school, _teacher, candidate, exam = with_base_photo
    result = checked(
        client, candidate, exam.id, face_photos.other_person_capture(engine), run_media_jobs
    )
    assert (result["status"], result["reason"]) == ("failed", "mismatch"), result
    assert result["score"] < face_photos.MATCH_THRESHOLD
    assert "申请更新底片" in result["message"] and result["faq"] == 7
    assert start(client, candidate, exam.id).get_json()["code"] == "FACE_CHECK_REQUIRED"


@pytest.mark.parametrize(
    "capture, reason",
    [
        (lambda: face_photos.T1.read_bytes(), "multiple_faces"),
        (lambda: face_photos.darkened(face_photos.YAOMING), "too_dark"),
        (lambda: face_photos.jpeg(Image.new("RGB", (640, 480), (128, 128, 128))), "no_face"),
    ],
    ids=["group-photo", "darkened", "empty-room"],
)
def test_quality_failures_say_why(client, with_base_photo, run_media_jobs, capture, reason):
    _school, _teacher, candidate, exam = with_base_photo
    result = checked(client, candidate, exam.id, capture(), run_media_jobs)
    assert (result["status"], result["reason"], result["score"]) == ("failed", reason, None), result
    assert result["message"]


def test_no_base_photo_says_contact_the_teacher(client, factory, exam_setup, storage_keys):
    _school, _teacher, student, exam = exam_setup
    candidate = factory.login_student(student)
    before = storage_keys()
    response = face_check(client, candidate, exam.id, face_photos.YAOMING.read_bytes())
    assert response.status_code == 202
    body = response.get_json()
    assert (body["status"], body["reason"], body["faq"]) == ("failed", "no_base_photo", 8)
    assert "请老师更新上传学生相片" in body["message"]
    assert storage_keys() == before  # no base photo to compare with: the capture is not kept


def test_the_result_reaches_the_event_stream_of_a_started_attempt(
    client, with_base_photo, engine, run_media_jobs, app
):
    _school, _teacher, candidate, exam = with_base_photo
    checked(client, candidate, exam.id, face_photos.yao_capture(engine), run_media_jobs)
    attempt_id = start(client, candidate, exam.id).get_json()["attempt_id"]
    # Moving to another computer later needs a new check; its verdict is pushed to the stream.
    checked(client, candidate, exam.id, face_photos.other_person_capture(engine), run_media_jobs)
    from server.adapters.events import EventLog
    from server.app_services import EXTENSION_KEY

    log = EventLog(app.extensions[EXTENSION_KEY].redis)
    events = [event for event in log.read_after(attempt_id) if event.type == "face_check"]
    assert [event.data["reason"] for event in events] == ["mismatch"]


def test_moving_the_attempt_to_another_computer_needs_a_new_check(
    client, factory, with_base_photo, engine, run_media_jobs, app
):
    _school, _teacher, candidate, exam = with_base_photo
    checked(client, candidate, exam.id, face_photos.yao_capture(engine), run_media_jobs)
    assert start(client, candidate, exam.id).status_code == 200
    assert (
        start(client, candidate, exam.id).get_json()["resumed"] is True
    )  # same computer: no new check
    # The pass is an hour old on the other computer: it no longer counts.
    from datetime import timedelta

    with app.app_context():
        session = factory.session
        for check in session.query(FaceCheck).all():
            check.completed_at -= timedelta(hours=2)
        session.commit()
    other_computer = factory.login_student(candidate.user)
    moved = start(client, other_computer, exam.id)
    assert moved.status_code == 403 and moved.get_json()["code"] == "FACE_CHECK_REQUIRED"
    checked(client, other_computer, exam.id, face_photos.yao_capture(engine), run_media_jobs)
    assert start(client, other_computer, exam.id).get_json()["resumed"] is True


def test_a_check_is_visible_to_its_candidate_and_their_school_only(
    client, factory, with_base_photo, engine
):
    school, teacher, candidate, exam = with_base_photo
    check_id = face_check(client, candidate, exam.id, face_photos.yao_capture(engine)).get_json()[
        "id"
    ]
    other_student = factory.login_student(factory.student(school))
    other_teacher = factory.login_teacher(factory.teacher(factory.school()))
    assert (
        client.get(f"/api/v1/face-checks/{check_id}", headers=other_student.headers).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/face-checks/{check_id}", headers=other_teacher.headers).status_code
        == 404
    )
    assert client.get(f"/api/v1/face-checks/{check_id}", headers=teacher.headers).status_code == 200


def test_not_enrolled_candidate_cannot_send_captures(client, factory, with_base_photo):
    school, _teacher, _candidate, exam = with_base_photo
    stranger = factory.login_student(factory.student(school))
    response = face_check(client, stranger, exam.id, face_photos.YAOMING.read_bytes())
    assert response.status_code == 403 and response.get_json()["code"] == "NOT_ENROLLED"


BAD_CAPTURES = {
    "empty": (b"", 415),
    "text-named-jpg": (b"this is not a photo\n" * 10, 415),
    "truncated-jpeg": (face_photos.YAOMING.read_bytes()[:3000], 415),
}


@pytest.mark.parametrize("name", list(BAD_CAPTURES))
def test_bad_captures_are_refused_and_nothing_is_stored(
    client, with_base_photo, storage_keys, name, app
):
    _school, _teacher, candidate, exam = with_base_photo
    before = storage_keys()
    data, status = BAD_CAPTURES[name]
    response = face_check(client, candidate, exam.id, data)
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["code"] == "UNSUPPORTED_IMAGE" and body["faq"] == 21
    assert storage_keys() == before
    with app.app_context():
        from server.app_services import EXTENSION_KEY

        assert app.extensions[EXTENSION_KEY].sessions().query(FaceCheck).count() == 0


def test_a_storage_failure_asks_to_retry(client, with_base_photo, engine, app, monkeypatch):
    _school, _teacher, candidate, exam = with_base_photo
    from server.app_services import EXTENSION_KEY

    storage = app.extensions[EXTENSION_KEY].storage

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "put", disk_full)
    response = face_check(client, candidate, exam.id, face_photos.yao_capture(engine))
    assert response.status_code == 503
    assert (response.get_json()["code"], response.get_json()["faq"]) == ("CAPTURE_SAVE_FAILED", 9)


def test_a_check_whose_job_redis_lost_is_decided_after_the_sweep(
    client, with_base_photo, engine, app, run_media_jobs, settings, monkeypatch
):
    _school, _teacher, candidate, exam = with_base_photo
    check_id = face_check(client, candidate, exam.id, face_photos.yao_capture(engine)).get_json()[
        "id"
    ]
    from datetime import timedelta

    from redis import Redis

    from server.adapters.queue import JobQueue
    from server.app_services import EXTENSION_KEY
    from workers import context
    from workers.jobs.attempts import sweep_attempts

    redis = Redis.from_url(settings.REDIS_URL)
    redis.flushdb()  # Redis restarted without its data: the job is gone
    assert run_media_jobs() == 0
    with app.app_context():
        session = app.extensions[EXTENSION_KEY].sessions()
        session.get(FaceCheck, check_id).created_at -= timedelta(minutes=5)
        session.commit()
    monkeypatch.setattr(context, "job_queue", lambda: JobQueue(redis))
    assert sweep_attempts()["media_requeued"] == [f"face-check-{check_id}"]
    assert run_media_jobs() == 1
    result = client.get(f"/api/v1/face-checks/{check_id}", headers=candidate.headers).get_json()
    assert result["status"] == "passed"


def heartbeat(client, candidate, attempt_id):
    return client.post(f"/api/v1/attempts/{attempt_id}/heartbeat", headers=candidate.headers)


def test_a_pass_admits_only_the_login_session_that_passed_it(
    client, factory, with_base_photo, engine, run_media_jobs
):
    """An accomplice logged in as the candidate on another PC, minutes after the candidate's
    own pass, can neither start the exam nor take the attempt over; with a check of their
    own (the candidate's face, on that PC) they can (FAQ 10: resuming works, with a check)."""
    _school, _teacher, candidate, exam = with_base_photo
    accomplice = factory.login_student(candidate.user)  # another login: another session
    assert (
        checked(client, candidate, exam.id, face_photos.yao_capture(engine), run_media_jobs)[
            "status"
        ]
        == "passed"
    )

    # The pass is fresh, but it is the first computer's.
    refused = start(client, accomplice, exam.id)
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["code"] == "FACE_CHECK_REQUIRED"

    started = start(client, candidate, exam.id)
    assert started.status_code == 200 and started.get_json()["resumed"] is False
    attempt_id = started.get_json()["attempt_id"]

    # Nor can the other computer take the started attempt over with it.
    takeover = start(client, accomplice, exam.id)
    assert takeover.status_code == 403, takeover.get_json()
    assert takeover.get_json()["code"] == "FACE_CHECK_REQUIRED"
    assert heartbeat(client, candidate, attempt_id).status_code == 200  # still the first's
    assert heartbeat(client, accomplice, attempt_id).get_json()["code"] == "ATTEMPT_MOVED"

    # A check passed there admits that computer: the attempt moves, the first one is told.
    assert (
        checked(client, accomplice, exam.id, face_photos.yao_capture(engine), run_media_jobs)[
            "status"
        ]
        == "passed"
    )
    moved = start(client, accomplice, exam.id)
    assert moved.status_code == 200 and moved.get_json()["resumed"] is True
    assert moved.get_json()["attempt_id"] == attempt_id
    assert heartbeat(client, accomplice, attempt_id).status_code == 200
    assert heartbeat(client, candidate, attempt_id).get_json()["code"] == "ATTEMPT_MOVED"


def test_a_failed_check_on_another_computer_admits_nothing(
    client, factory, with_base_photo, engine, run_media_jobs
):
    _school, _teacher, candidate, exam = with_base_photo
    checked(client, candidate, exam.id, face_photos.yao_capture(engine), run_media_jobs)
    assert start(client, candidate, exam.id).status_code == 200
    other_person = factory.login_student(candidate.user)
    result = checked(
        client, other_person, exam.id, face_photos.other_person_capture(engine), run_media_jobs
    )
    assert (result["status"], result["reason"]) == ("failed", "mismatch")
    assert start(client, other_person, exam.id).get_json()["code"] == "FACE_CHECK_REQUIRED"
