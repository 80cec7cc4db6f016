"""Photos: intake checks on uploaded bytes (from the header alone, with per-format pixel limits),
decoding and downscaling under a memory ceiling, how originals and their processed copies are
stored, and the per-candidate cost limits on the uploads that queue work.
"""

from server.domain.photos.images import (
    PIXEL_LIMITS,
    ImageHeader,
    PixelLimits,
    downscale_jpeg,
    inspect_upload,
    read_header,
    sniff_format,
    warm_up,
)
from server.domain.photos.quotas import RateLimiter, UploadKind, UploadQuotas
from server.domain.photos.store import (
    image_size,
    is_photo_key,
    photo_key,
    process_original,
    store_original,
)

__all__ = [
    "PIXEL_LIMITS",
    "ImageHeader",
    "PixelLimits",
    "RateLimiter",
    "UploadKind",
    "UploadQuotas",
    "downscale_jpeg",
    "image_size",
    "inspect_upload",
    "is_photo_key",
    "photo_key",
    "process_original",
    "read_header",
    "sniff_format",
    "store_original",
    "warm_up",
]
