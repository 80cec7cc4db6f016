"""Per-candidate cost limits on the uploads that queue work, and the face checks' own queue.

One candidate used to queue 30 face checks in a row (all 202), and as many snapshots and phone
photos; face checks waited behind everyone's snapshots. Here the limits are low (3 a minute) so
that a test reaches them; the defaults are in server/config.py.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from server.app import create_app
from server.app_services import EXTENSION_KEY
from server.domain.faces import FaceCheck
from server.domain.jobs import FACES_QUEUE, MEDIA_QUEUE, MEDIA_QUEUES
from server.domain.proctoring import Snapshot
from tests.api.test_upload_paths import make_uploaders, send
from tests.conftest import make_settings
from tests.face_photos import YAOMING
from tests.fakes.wechat import APPID, SECRET
from tests.photos import camera_jpeg

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

LIMIT = 3
LIMITED_PATHS = [
    "face-check",
    "desktop-snapshot",
    "answer-photo",
    "phone-snapshot",
    "base-photo-request",
]


@pytest.fixture(scope="module")
def app(service_urls, fake_wechat):
    limit = f"{LIMIT} per minute"
    return create_app(
        make_settings(
            service_urls,
            WECHAT_APPID=APPID,
            WECHAT_SECRET=SECRET,
            WECHAT_API_BASE=fake_wechat.base_url,
            FACE_CHECK_LIMIT=limit,
            DESKTOP_SNAPSHOT_LIMIT=limit,
            ANSWER_PHOTO_LIMIT=limit,
            PHONE_SNAPSHOT_LIMIT=limit,
            BASE_PHOTO_REQUEST_LIMIT=limit,
        )
    )


@pytest.fixture
def uploaders(client, factory):
    """The paths as test_upload_paths reaches them, for this module's app."""
    return make_uploaders(client, factory)


@pytest.fixture(scope="module")
def photo() -> bytes:
    return camera_jpeg(640, 480)


def queued(app) -> int:
    jobs = app.extensions[EXTENSION_KEY].jobs
    return sum(jobs.queue(name).count for name in MEDIA_QUEUES)


def assert_rate_limited(response) -> int:
    assert response.status_code == 429, response.get_json()
    body = response.get_json()
    assert body["code"] == "UPLOAD_RATE_LIMITED"
    assert "上传过于频繁" in body["message"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60 and body["retry_after"] == retry_after
    return retry_after


@pytest.mark.parametrize("path", LIMITED_PATHS)
def test_each_costly_upload_is_limited_per_candidate(
    app, client, uploaders, storage_keys, photo, path
):
    for _ in range(LIMIT):
        assert send(client, uploaders[path], photo).status_code == 202
    before, jobs = storage_keys(), queued(app)
    assert_rate_limited(send(client, uploaders[path], photo))
    assert storage_keys() == before and queued(app) == jobs  # the refused one costs nothing
    # Each kind has its own budget: another kind still goes through.
    other = "desktop-snapshot" if path != "desktop-snapshot" else "face-check"
    assert send(client, uploaders[other], photo).status_code == 202


def test_a_classmate_is_not_limited_by_another_candidate(client, factory, photo):
    school = factory.school()
    students = [factory.student(school) for _ in range(2)]
    exam = factory.exam(school, students=students, face_check_required=True)
    first, second = (factory.login_student(student) for student in students)

    def face_check(candidate):
        return client.post(
            f"/api/v1/exams/{exam.id}/face-checks",
            headers=candidate.headers,
            data={"file": (io.BytesIO(photo), "capture.jpg")},
            content_type="multipart/form-data",
        )

    for _ in range(LIMIT):
        assert face_check(first).status_code == 202
    assert_rate_limited(face_check(first))
    # Per candidate, not per computer: another login of the same candidate shares the budget.
    assert_rate_limited(face_check(factory.login_student(students[0])))
    assert face_check(second).status_code == 202


def test_parallel_uploads_never_get_past_the_limit(app, uploaders, photo):
    method, url, headers = uploaders["desktop-snapshot"]

    def upload(_):
        with app.test_client() as own_client:
            return own_client.post(
                url,
                headers=headers,
                data={"file": (io.BytesIO(photo), "frame.jpg")},
                content_type="multipart/form-data",
            ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(upload, range(12)))
    assert sorted(statuses) == [202] * LIMIT + [429] * (12 - LIMIT), statuses


def test_a_phone_retrying_an_accepted_photo_is_not_counted_again(client, uploaders, photo):
    method, url, headers = uploaders["answer-photo"]

    def upload(upload_id: str):
        return client.post(
            url,
            headers=headers,
            data={"file": (io.BytesIO(photo), "answer.jpg"), "upload_id": upload_id},
            content_type="multipart/form-data",
        )

    accepted = [upload(f"upload-{n}").get_json()["id"] for n in range(LIMIT)]
    assert_rate_limited(upload("upload-new"))
    # The phone lost the 202 of its first upload and sends it again: the same photo answers.
    again = upload("upload-0")
    assert again.status_code == 202 and again.get_json()["id"] == accepted[0]


def test_face_checks_are_decided_before_queued_snapshots(
    app, client, factory, uploaders, photo, run_media_jobs, settings
):
    """Exam morning: everyone's webcam frames are queued, then a candidate at the door sends a
    face check. The media worker's next job is the face check."""
    run_media_jobs()  # the fixture's base photo, processed: the queues are empty
    for _ in range(LIMIT):
        assert send(client, uploaders["desktop-snapshot"], photo).status_code == 202
    check = send(client, uploaders["face-check"], YAOMING.read_bytes())
    assert check.status_code == 202
    connection = Redis.from_url(settings.REDIS_URL)
    queues = {
        name: Queue(name, connection=connection, serializer=JSONSerializer) for name in MEDIA_QUEUES
    }
    assert (queues[MEDIA_QUEUE].count, queues[FACES_QUEUE].count) == (LIMIT, 1)

    # A media worker as workers.worker --media builds it (run_media_jobs set up its context),
    # taking one job.
    worker = SimpleWorker(list(queues.values()), connection=connection, serializer=JSONSerializer)
    worker.work(burst=True, max_jobs=1, logging_level="WARNING")

    with app.app_context():
        session = app.extensions[EXTENSION_KEY].sessions()
        assert session.get(FaceCheck, check.get_json()["id"]).status == "passed"
        assert {snapshot.status for snapshot in session.query(Snapshot)} == {"queued"}
    assert queues[MEDIA_QUEUE].count == LIMIT
