"""Photos: intake checks on uploaded bytes, decoding and downscaling, and how originals and their
processed copies are stored.
"""

from server.domain.photos.headers import sniff_format
from server.domain.photos.images import (
    PIXEL_LIMITS,
    PixelLimits,
    downscale_jpeg,
    inspect_upload,
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
    "sniff_format",
    "store_original",
    "warm_up",
]
