"""Photo jobs (FAQ 21): the downscaled, upright, metadata-free copy of an uploaded original.

Takes storage keys only and is idempotent: a retried or duplicated job finds its output and
returns it. Errors propagate, so RQ records the failure and retries.
"""

from __future__ import annotations

import io
import logging

from PIL import Image

from server.domain import companion, photos
from workers import context

log = logging.getLogger(__name__)


def downscale_photo(original_key: str, output_key: str) -> dict:
    """Store the processed copy of `original_key` under `output_key`, then delete the original
    (it carries the EXIF/GPS block). A rerun finds the copy and returns it."""
    data = photos.process_original(context.storage(), original_key, output_key, context.settings().PHOTO_LONG_EDGE)
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    log.info("photo %s downscaled to %s (%d bytes)", original_key, output_key, len(data))
    return {"key": output_key, "width": width, "height": height, "bytes": len(data)}


def process_answer_photo(photo_id: int) -> dict:
    """An answer photo from the phone: its clean copy, then photo_ready on the desktop's stream."""
    settings = context.settings()
    storage = context.storage()
    with context.session() as session:
        photo = companion.process_answer_photo(
            session, photo_id, storage, settings.PHOTO_LONG_EDGE, context.event_publisher(),
            lambda key: storage.url(key, settings.PHOTO_URL_TTL_SECONDS))
        result = {"status": photo.status, "width": photo.width, "height": photo.height}
    log.info("answer photo %s: %s", photo_id, result)
    return result
