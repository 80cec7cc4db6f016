"""The downscale job: in-process against both storage backends, then through a real RQ worker."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid

import pytest
from PIL import Image
from redis import Redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from server.adapters.queue import JobQueue
from server.adapters.storage import LocalStorage, ObjectNotFound, S3Storage
from server.config import Settings
from server.domain.errors import Unsupported
from server.domain.jobs import JobSpec
from tests.conftest import service_env
from tests.photos import RED, camera_jpeg
from workers import context
from workers.jobs import photos

DOWNSCALE = JobSpec("workers.jobs.photos.downscale_photo", queue="default", timeout=60,
                    retry_intervals=())


@pytest.fixture(scope="module")
def phone_jpeg() -> bytes:
    return camera_jpeg(4000, 3000, orientation=6)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path, monkeypatch):
    if request.param == "local":
        backend = LocalStorage(tmp_path, "http://testserver/api/v1/files")
    else:
        s3 = request.getfixturevalue("s3_service")
        backend = S3Storage(s3["bucket"], endpoint_url=s3["endpoint_url"],
                            access_key_id=s3["access_key_id"], secret_access_key=s3["secret_access_key"])
    monkeypatch.setattr(context, "storage", lambda: backend)
    monkeypatch.setattr(context, "settings", lambda: Settings(PHOTO_LONG_EDGE=1600))
    return backend


def keys() -> tuple[str, str]:
    prefix = f"tests/{uuid.uuid4().hex}"
    return f"{prefix}/original", f"{prefix}/small.jpg"


def test_downscales_upright_without_metadata(storage, phone_jpeg):
    original, output = keys()
    storage.put(original, phone_jpeg, "image/jpeg")
    result = photos.downscale_photo(original, output)
    data = storage.get(output)
    assert result == {"key": output, "width": 1200, "height": 1600, "bytes": len(data)}
    image = Image.open(io.BytesIO(data))
    assert image.size == (1200, 1600) and not image.getexif()
    assert all(abs(a - b) < 40 for a, b in zip(image.getpixel((10, 10)), RED))
    # The original carried the EXIF/GPS block: once the clean copy exists it is gone.
    assert not storage.exists(original)


def test_second_run_returns_the_same_key_and_bytes(storage, phone_jpeg, monkeypatch):
    original, output = keys()
    storage.put(original, phone_jpeg, "image/jpeg")
    first = photos.downscale_photo(original, output)
    stored = storage.get(output)

    def must_not_run(*_args):
        raise AssertionError("downscaled twice")

    monkeypatch.setattr(photos.photos.images, "downscale_jpeg", must_not_run)
    assert photos.downscale_photo(original, output) == first
    assert storage.get(output) == stored


def test_errors_propagate_and_nothing_is_written(storage, phone_jpeg):
    original, output = keys()
    with pytest.raises(ObjectNotFound):
        photos.downscale_photo(original, output)
    storage.put(original, phone_jpeg[: len(phone_jpeg) // 2], "image/jpeg")
    with pytest.raises(Unsupported):
        photos.downscale_photo(original, output)
    assert not storage.exists(output)


def run_worker_burst(settings: Settings, **env) -> None:
    """A real RQ worker (the project's), run until its queues are empty."""
    subprocess.run([sys.executable, "-m", "workers.worker", "--burst", "default"],
                   env=service_env(settings, **env), check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_real_worker_downscales_into_s3(settings, s3_service, phone_jpeg):
    storage = S3Storage(s3_service["bucket"], endpoint_url=s3_service["endpoint_url"],
                        access_key_id=s3_service["access_key_id"],
                        secret_access_key=s3_service["secret_access_key"])
    original, output = keys()
    storage.put(original, phone_jpeg, "image/jpeg")
    broken, never = keys()
    storage.put(broken, b"not a photo", "image/jpeg")
    redis = Redis.from_url(settings.REDIS_URL)
    queue = JobQueue(redis)
    # RQ job ids allow letters, digits, '_' and '-' only: derive them from ids, not keys.
    job = queue.enqueue(DOWNSCALE, original, output, job_id=f"downscale-{uuid.uuid4().hex}")
    failing = queue.enqueue(DOWNSCALE, broken, never)
    run_worker_burst(settings, STORAGE_BACKEND="s3", S3_ENDPOINT_URL=s3_service["endpoint_url"],
                     S3_BUCKET=s3_service["bucket"], S3_ACCESS_KEY_ID=s3_service["access_key_id"],
                     S3_SECRET_ACCESS_KEY=s3_service["secret_access_key"])
    job = Job.fetch(job.id, connection=redis, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"key": output, "width": 1200, "height": 1600,
                                  "bytes": len(storage.get(output))}
    failing = Job.fetch(failing.id, connection=redis, serializer=JSONSerializer)
    assert failing.get_status() == JobStatus.FAILED
    assert "UNSUPPORTED_IMAGE" in failing.latest_result().exc_string
    assert not storage.exists(never)
