"""Photo links in responses: short-lived signed (local) or presigned (S3) URLs, send nothing."""

from __future__ import annotations

import marshmallow as ma

from server.extensions import services


class PhotoUrl(ma.fields.Field):
    """Serialises a storage key (the attribute) as a download URL; null when there is none."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("dump_only", True)
        kwargs.setdefault("allow_none", True)
        kwargs.setdefault("metadata", {"type": "string", "format": "uri",
                                       "description": "短期有效的照片链接（无需再带令牌）"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return services().photo_url(value)
