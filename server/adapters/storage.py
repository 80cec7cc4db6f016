"""Object storage behind one small interface: a local folder (default) or S3 through boto3.

Keys are relative, slash-separated names such as ``photos/12/original.jpg``; both backends
validate them the same way, so a key that works in development works in production and no key
can leave the local root. Nothing connects at import or construction: the S3 client is made on
first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, urlencode

if TYPE_CHECKING:  # settings are passed in; only the factory reads them
    from server.config import Settings

# Where a future route serves LocalStorage downloads (it checks LocalStorage.verify_url).
LOCAL_DOWNLOAD_PATH = "/api/v1/files"
MAX_KEY_LENGTH = 512
# One path segment: no leading dot (so no "..", no hidden or temporary files), no separators.
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")


class InvalidKey(ValueError):
    """A key that is empty, absolute, too long or could climb out of its folder."""


class ObjectNotFound(LookupError):
    """No object under that key."""


def validate_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid storage key: {key!r}")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store all of `data` under `key`, replacing any old object; readers never see half."""

    def get(self, key: str) -> bytes:
        """The object's bytes; ObjectNotFound if there is none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    def url(self, key: str, expires_in: int) -> str:
        """A download URL that works without other credentials for `expires_in` seconds."""


class LocalStorage:
    """A folder on disk. Writes go to a temporary file in the same folder, then are renamed."""

    def __init__(self, root_dir: str | os.PathLike, base_url: str, signing_key: str = "") -> None:
        self.root = Path(root_dir)
        self.base_url = base_url.rstrip("/")
        # URLs are signed so a download link can be handed out like an S3 presigned URL.
        self._signing_key = (signing_key or os.urandom(32).hex()).encode()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            self._path(key).unlink()

    def url(self, key: str, expires_in: int) -> str:
        validate_key(key)
        expires = int(time.time()) + int(expires_in)
        query = urlencode({"expires": expires, "signature": self._signature(key, expires)})
        return f"{self.base_url}/{quote(key)}?{query}"

    def verify_url(self, key: str, expires: int | str, signature: str) -> bool:
        """For the route that serves local downloads: a valid, unexpired signature for `key`."""
        try:
            validate_key(key)
            expires = int(expires)
        except (InvalidKey, TypeError, ValueError):
            return False
        return expires >= time.time() and hmac.compare_digest(
            self._signature(key, expires), signature
        )

    def _signature(self, key: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


class S3Storage:
    """Any S3-compatible service (AWS S3, MinIO, SeaweedFS, COS/OSS in S3 mode).

    `endpoint_url` is where this process talks to the service (in compose an internal name,
    http://s3:8333); `public_endpoint_url`, where clients fetch the presigned download links
    from (the same service behind the public host name). A presigned URL signs its host, so it
    is made by a second client configured with the public address; that one only signs,
    locally, and never connects."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        create_bucket: bool = True,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.public_endpoint_url = public_endpoint_url or self.endpoint_url
        self.region = region
        self._access_key_id = access_key_id or None
        self._secret_access_key = secret_access_key or None
        self._create_bucket = create_bucket
        self._client = None
        self._presigner = None
        self._bucket_ready = False
        self._lock = threading.Lock()

    @property
    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client(self.endpoint_url)
        return self._client

    @property
    def presigner(self):
        """The client that signs download links for the public address."""
        if self.public_endpoint_url == self.endpoint_url:
            return self.client
        if self._presigner is None:
            with self._lock:
                if self._presigner is None:
                    self._presigner = self._make_client(self.public_endpoint_url)
        return self._presigner

    def _make_client(self, endpoint_url: str | None):
        import boto3
        from botocore.config import Config

        config = Config(
            signature_version="s3v4",
            # Custom endpoints rarely have per-bucket DNS names; AWS itself takes either.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            connect_timeout=5,
            read_timeout=60,
            retries={"mode": "standard", "max_attempts": 3},
        )
        return boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=self.region,
            aws_access_key_id=self._access_key_id,
            aws_secret_access_key=self._secret_access_key,
            config=config,
        )

    def _ensure_bucket(self) -> None:
        """Create the bucket on first write if it is missing (development and tests)."""
        if self._bucket_ready or not self._create_bucket:
            return
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
                raise
            options = {}
            if self.region != "us-east-1":
                options["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                self.client.create_bucket(Bucket=self.bucket, **options)
            except ClientError as create_error:  # another process won the race
                if _error_code(create_error) not in (
                    "BucketAlreadyOwnedByYou",
                    "BucketAlreadyExists",
                ):
                    raise
        self._bucket_ready = True

    def put(self, key: str, data: bytes, content_type: str) -> None:
        validate_key(key)
        self._ensure_bucket()
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        validate_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in ("NoSuchKey", "404", "NoSuchBucket"):
                raise ObjectNotFound(key) from None
            raise
        with response["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        validate_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        from botocore.exceptions import ClientError

        validate_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) not in ("404", "NoSuchKey", "NoSuchBucket"):
                raise

    def url(self, key: str, expires_in: int) -> str:
        validate_key(key)
        return self.presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=int(expires_in)
        )


def _error_code(error) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def make_storage(settings: Settings) -> Storage:
    """The backend named by STORAGE_BACKEND."""
    if settings.STORAGE_BACKEND == "s3":
        return S3Storage(
            settings.S3_BUCKET,
            endpoint_url=settings.S3_ENDPOINT_URL,
            public_endpoint_url=settings.S3_PUBLIC_ENDPOINT_URL,
            region=settings.S3_REGION,
            access_key_id=settings.S3_ACCESS_KEY_ID,
            secret_access_key=settings.S3_SECRET_ACCESS_KEY,
        )
    if settings.STORAGE_BACKEND == "local":
        return LocalStorage(
            settings.STORAGE_LOCAL_DIR,
            settings.PUBLIC_BASE_URL.rstrip("/") + LOCAL_DOWNLOAD_PATH,
            signing_key=settings.secret_key,
        )
    raise ValueError(f"unknown STORAGE_BACKEND {settings.STORAGE_BACKEND!r}")
