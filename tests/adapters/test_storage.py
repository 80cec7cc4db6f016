"""Object storage: the same tests against the local folder and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from server.adapters.storage import (
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    make_storage,
    validate_key,
)
from server.config import Settings

BAD_KEYS = [
    "",
    "/etc/passwd",
    "../secret",
    "a/../../secret",
    "a/./b",
    "a//b",
    "a/",
    ".hidden",
    "a/.tmp-x",
    "a\\..\\b",
    "a\x00b",
    "照片.jpg",
    "a b",
    "x" * 513,
]


def s3_storage(s3_service, secret: str | None = None, bucket: str | None = None) -> S3Storage:
    return S3Storage(
        bucket or s3_service["bucket"],
        endpoint_url=s3_service["endpoint_url"],
        access_key_id=s3_service["access_key_id"],
        secret_access_key=secret or s3_service["secret_access_key"],
    )


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    if request.param == "local":
        return LocalStorage(
            tmp_path / "storage", "http://testserver/api/v1/files", signing_key="k" * 32
        )
    return s3_storage(request.getfixturevalue("s3_service"))


@pytest.fixture
def key() -> str:
    """A fresh key per test: the S3 bucket is shared by the whole session."""
    return f"tests/{uuid.uuid4().hex}/photo.jpg"


def test_put_get_exists_delete(backend, key):
    assert not backend.exists(key)
    backend.put(key, b"\xff\xd8original", "image/jpeg")
    assert backend.exists(key)
    assert backend.get(key) == b"\xff\xd8original"
    backend.put(key, b"replaced", "image/jpeg")
    assert backend.get(key) == b"replaced"
    backend.delete(key)
    assert not backend.exists(key)
    backend.delete(key)  # deleting again is harmless


def test_missing_object(backend, key):
    with pytest.raises(ObjectNotFound):
        backend.get(key)


def test_large_object_round_trips(backend, key):
    # Larger than SeaweedFS' 4 MB chunk: stored in pieces, read back whole.
    data = bytes(range(256)) * (9 * 4096)
    backend.put(key, data, "application/octet-stream")
    assert backend.get(key) == data


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_unsafe_keys_are_refused_everywhere(backend, bad):
    for call in (
        lambda: backend.put(bad, b"x", "image/jpeg"),
        lambda: backend.get(bad),
        lambda: backend.exists(bad),
        lambda: backend.delete(bad),
        lambda: backend.url(bad, 60),
    ):
        with pytest.raises(InvalidKey):
            call()


def test_traversal_writes_nothing_outside_the_root(tmp_path):
    storage = LocalStorage(tmp_path / "root", "http://testserver/files")
    for bad in ("../escaped", "a/../../escaped"):
        with pytest.raises(InvalidKey):
            storage.put(bad, b"x", "image/jpeg")
    assert not (tmp_path / "escaped").exists()
    assert validate_key("photos/12/original-1.jpg") == "photos/12/original-1.jpg"


def test_local_writes_are_atomic(tmp_path, monkeypatch):
    storage = LocalStorage(tmp_path, "http://testserver/files")
    storage.put("a/photo.jpg", b"complete", "image/jpeg")

    def disk_full(fd):
        raise OSError("No space left on device")

    monkeypatch.setattr("server.adapters.storage.os.fsync", disk_full)
    with pytest.raises(OSError):
        storage.put("a/photo.jpg", b"half written", "image/jpeg")
    assert storage.get("a/photo.jpg") == b"complete"
    assert sorted(path.name for path in (tmp_path / "a").iterdir()) == ["photo.jpg"]


def test_presigned_s3_url_downloads_without_credentials(s3_service, key):
    storage = s3_storage(s3_service)
    storage.put(key, b"\xff\xd8evidence", "image/jpeg")
    with urllib.request.urlopen(storage.url(key, 60), timeout=10) as response:
        assert response.read() == b"\xff\xd8evidence"
        assert response.headers["Content-Type"] == "image/jpeg"


def test_tampered_or_expired_s3_url_is_refused(s3_service, key):
    storage = s3_storage(s3_service)
    storage.put(key, b"secret", "image/jpeg")
    other = key.replace("photo.jpg", "other.jpg")
    storage.put(other, b"other", "image/jpeg")
    tampered = storage.url(key, 60).replace("/photo.jpg?", "/other.jpg?")
    expired = storage.url(key, 1)
    time.sleep(2.1)
    for url in (tampered, expired):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=10)
        assert caught.value.code == 403


def test_wrong_secret_is_rejected(s3_service, key):
    s3_storage(s3_service).put(key, b"x", "image/jpeg")
    intruder = s3_storage(s3_service, secret="not-the-secret")
    with pytest.raises(ClientError) as caught:
        intruder.get(key)
    assert caught.value.response["Error"]["Code"] in (
        "SignatureDoesNotMatch",
        "AccessDenied",
        "403",
    )
    with pytest.raises(ClientError):
        intruder.put(key, b"overwrite", "image/jpeg")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(intruder.url(key, 60), timeout=10)
    assert refused.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(
            f"{s3_service['endpoint_url']}/{s3_service['bucket']}/{key}", timeout=10
        )
    assert anonymous.value.code == 403


def test_missing_bucket_is_created_on_first_write(s3_service, key):
    storage = s3_storage(s3_service, bucket=f"fresh-{uuid.uuid4().hex[:12]}")
    assert not storage.exists(key)
    storage.put(key, b"x", "image/jpeg")
    assert storage.get(key) == b"x"


def test_local_url_is_signed_and_expires(tmp_path):
    storage = LocalStorage(tmp_path, "http://testserver/api/v1/files/", signing_key="k" * 32)
    url = storage.url("photos/1/small.jpg", 60)
    parts = urlsplit(url)
    assert url.startswith("http://testserver/api/v1/files/photos/1/small.jpg?")
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert storage.verify_url("photos/1/small.jpg", query["expires"], query["signature"])
    assert not storage.verify_url("photos/2/small.jpg", query["expires"], query["signature"])
    assert not storage.verify_url(
        "photos/1/small.jpg", int(query["expires"]) + 1, query["signature"]
    )
    assert not storage.verify_url("../x", query["expires"], query["signature"])
    past = storage.url("photos/1/small.jpg", -1)
    query = {name: values[0] for name, values in parse_qs(urlsplit(past).query).items()}
    assert not storage.verify_url("photos/1/small.jpg", query["expires"], query["signature"])
    other_key = LocalStorage(tmp_path, "http://testserver/api/v1/files", signing_key="x" * 32)
    assert not other_key.verify_url("photos/1/small.jpg", query["expires"], query["signature"])


def test_factory_follows_settings(tmp_path):
    local = make_storage(
        Settings(STORAGE_LOCAL_DIR=str(tmp_path), PUBLIC_BASE_URL="https://exam.example.edu.cn/")
    )
    assert isinstance(local, LocalStorage) and local.root == tmp_path
    assert local.url("a.jpg", 60).startswith("https://exam.example.edu.cn/api/v1/files/a.jpg?")
    # Nothing connects until first use: an unreachable endpoint is fine here.
    s3 = make_storage(
        Settings(
            STORAGE_BACKEND="s3",
            S3_ENDPOINT_URL="http://127.0.0.1:9",
            S3_BUCKET="photos",
            S3_ACCESS_KEY_ID="id",
            S3_SECRET_ACCESS_KEY="secret",
        )
    )
    assert isinstance(s3, S3Storage) and s3.bucket == "photos"
    assert "/photos/a.jpg?" in s3.url("a.jpg", 60)


def test_production_needs_s3_credentials():
    production = dict(
        EXAM_ENV="production",
        SECRET_KEY="s" * 40,
        DATABASE_URL="postgresql+psycopg://db/examcloud",
        STORAGE_BACKEND="s3",
    )
    with pytest.raises(ValidationError, match="S3_ACCESS_KEY_ID"):
        Settings(**production)
    Settings(**production, S3_ACCESS_KEY_ID="id", S3_SECRET_ACCESS_KEY="secret")  # accepted
    with pytest.raises(ValidationError):
        Settings(STORAGE_BACKEND="ftp")
