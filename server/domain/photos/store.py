"""Storing photos: the original first, then one upright, downscaled, metadata-free copy.

An upload is acknowledged only once its original is in storage, so nothing acknowledged is lost
if a worker dies. The job that makes the copy then deletes the original: the stored photos never
keep EXIF (GPS, device) beyond processing.
"""

from __future__ import annotations

import io
import logging
import uuid

from server.adapters.storage import ObjectNotFound, Storage
from server.domain.errors import Unavailable
from server.domain.photos import images

log = logging.getLogger(__name__)

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}


def store_original(
    storage: Storage,
    data: bytes,
    max_bytes: int,
    folder: str,
    failure_code: str = "PHOTO_SAVE_FAILED",
) -> str:
    """Check the upload from its header (UPLOAD_TOO_LARGE / IMAGE_TOO_LARGE /
    UNSUPPORTED_IMAGE, see images.inspect_upload: no pixel is decoded here, the job does that)
    and store it; returns its key. A storage failure is `failure_code` (503): the client
    retries, nothing was acknowledged.
    """
    info = images.inspect_upload(data, max_bytes)
    key = f"{folder}/original-{uuid.uuid4().hex}.{_EXTENSIONS[info.format]}"
    try:
        storage.put(key, data, info.mime)
    except Exception as error:  # OSError, botocore errors: all mean "not stored"
        log.warning("could not store %s: %s", key, error)
        raise Unavailable(failure_code) from error
    return key


def photo_key(original_key: str) -> str:
    """Where the processed copy of an original lives: unique per upload, like the original, so
    a rerun of its job finds it and nothing else ever does."""
    folder, _, name = original_key.rpartition("/")
    token = name.removeprefix("original-").split(".")[0]
    return f"{folder}/photo-{token}.jpg"


def image_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


def is_photo_key(key: str) -> bool:
    """Processed copies only: originals (with their EXIF) are never handed out."""
    name = key.rpartition("/")[2]
    return name.startswith("photo-") and name.endswith(".jpg")


def process_original(
    storage: Storage, original_key: str | None, output_key: str, long_edge: int
) -> bytes:
    """The processed copy's bytes, making it from the original if it is not there yet.

    Idempotent: a rerun finds the copy (storage writes are atomic) and only finishes deleting
    the original. Decoding errors propagate: Unsupported for a photo whose pixels were left
    unchecked at intake and turn out damaged, anything else for a damaged store.
    """
    if storage.exists(output_key):
        data = storage.get(output_key)
    else:
        if original_key is None:
            raise ObjectNotFound(output_key)
        data = images.downscale_jpeg(storage.get(original_key), long_edge)
        storage.put(output_key, data, "image/jpeg")
    if original_key is not None:
        storage.delete(original_key)
    return data
