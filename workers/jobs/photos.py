"""Photo jobs (FAQ 21): the downscaled, upright, metadata-free copy of an uploaded original.

Takes storage keys only and is idempotent: a retried or duplicated job finds its output and
returns it. Errors propagate, so RQ records the failure and retries.
"""

from __future__ import annotations

import io
import logging

from PIL import Image

from server.domain import images
from workers import context

log = logging.getLogger(__name__)


def downscale_photo(original_key: str, output_key: str) -> dict:
    """Store downscale_jpeg(original) under `output_key`, unless it is already there.

    The storage write is atomic (temporary file + rename, or one S3 PUT), so the output is
    either absent or complete; checking for it is enough to make a rerun harmless.
    """
    storage = context.storage()
    if storage.exists(output_key):
        data = storage.get(output_key)
        log.info("photo %s already downscaled to %s", original_key, output_key)
    else:
        original = storage.get(original_key)
        data = images.downscale_jpeg(original, context.settings().PHOTO_LONG_EDGE)
        storage.put(output_key, data, "image/jpeg")
        log.info("photo %s downscaled to %s (%d -> %d bytes)", original_key, output_key,
                 len(original), len(data))
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    return {"key": output_key, "width": width, "height": height, "bytes": len(data)}
