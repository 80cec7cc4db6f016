"""Photo links in responses: short-lived signed (local) or presigned (S3) URLs, send nothing."""

from __future__ import annotations

import marshmallow as ma

from server.app_services import services


class PhotoUrl(ma.fields.Field):
    """Serialises a storage key (the attribute) as a download URL; null when there is none."""

    def __init__(self, ready=None, **kwargs) -> None:
        """`ready(obj)`: whether the processed photo exists yet; no link before (it would 404)."""
        self._ready = ready
        kwargs.setdefault("dump_only", True)
        kwargs.setdefault("allow_none", True)
        kwargs["metadata"] = {
            "type": "string",
            "format": "uri",
            "description": "短期有效的照片链接（无需再带令牌）",
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if self._ready is not None and not self._ready(obj):
            return None
        return services().photo_url(value)
