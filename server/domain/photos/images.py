"""Photo intake and downscaling (FAQ 21), in plain Pillow: no Flask, no storage.

Phones send large album originals (12 to 48 MP, sometimes HEIC, often rotated by an EXIF tag and
carrying GPS). `inspect_upload` decides from the bytes alone whether an upload is a photo we
accept, before anything is stored; `downscale_jpeg` makes the small, upright, metadata-free JPEG
that everything else uses.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms, UnidentifiedImageError

from server.domain.errors import TooLarge, Unsupported

# Pixels an upload may declare. A 48 MP photo is about 50 MP and a 108 MP one 108 MP; a
# decompression bomb (a small file claiming 50000 x 50000) is refused from its header, before
# any pixel is decoded. Pillow itself refuses above 2 x Image.MAX_IMAGE_PIXELS (179 MP).
MAX_PIXELS = 120_000_000
JPEG_QUALITY = 85

MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
# HEIF brands that carry HEVC-coded images (AVIF's "avif"/"avis" are not accepted).
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose).
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112
# What Pillow's and pillow-heif's decoders raise on damaged or hostile input.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    RuntimeError,
    struct.error,
    zlib.error,
    MemoryError,
)


@dataclass(frozen=True)
class ImageInfo:
    format: str  # JPEG, PNG, WEBP or HEIF
    width: int  # as stored, before any EXIF orientation is applied
    height: int
    mime: str


def sniff_format(data: bytes) -> str | None:
    """The accepted format these bytes start with, or None. File names are never trusted."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        box_size = int.from_bytes(data[:4], "big")
        if 16 <= box_size <= 256:
            # major brand, minor version, then compatible brands, four bytes each
            brands = {data[8:12]} | {
                data[i : i + 4] for i in range(16, min(box_size, len(data)), 4)
            }
            if brands & _HEIC_BRANDS:
                return "HEIF"
    return None


def inspect_upload(
    data: bytes, max_bytes: int, max_pixels: int = MAX_PIXELS, *, decode: bool = True
) -> ImageInfo:
    """Accept a JPEG/PNG/WebP/HEIC photo that decodes completely, or raise.

    TooLarge (UPLOAD_TOO_LARGE) past `max_bytes`; Unsupported (UNSUPPORTED_IMAGE) for anything
    else: empty, not an image, another image format, truncated or corrupt, or a bomb.

    With `decode=False` only the header is parsed and the container checked for its end (a cut
    upload is still refused here), and the pixels are left to the job that decodes the photo
    anyway: entropy-decoding a 12 MP JPEG costs ~50 ms, twice over for nothing when 50 phones
    upload at once. Damage inside an intact container then shows in that job (upload_rejected).
    """
    if len(data) > max_bytes:
        raise TooLarge("UPLOAD_TOO_LARGE", size=len(data), max_bytes=max_bytes)
    with _open(data, max_pixels) as image:
        assert image.format is not None  # _open opens the one format it sniffed
        info = ImageInfo(image.format, image.width, image.height, MIME_TYPES[image.format])
        if not decode:
            if not _container_is_complete(info.format, data):
                raise Unsupported("UNSUPPORTED_IMAGE", reason="unreadable")
            return info
        if image.format == "JPEG":
            # DCT scaling: every byte of the stream is still entropy-decoded (so truncation and
            # corruption show), but only 1/64 of the pixels are built.
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        _decode(image)
    return info


def downscale_jpeg(data: bytes, long_edge: int, max_pixels: int = MAX_PIXELS) -> bytes:
    """An upright JPEG whose long edge is at most `long_edge`, with no metadata at all.

    Accepts whatever inspect_upload accepts. EXIF orientation is applied, the result is never
    upscaled, colour profiles are converted to sRGB (then dropped), and EXIF, GPS, XMP, ICC and
    comments are all left out. The same input always gives the same bytes. For JPEG input the
    decoder's DCT scaling (Image.draft) shrinks by up to 8x while decoding, so a 48 MP photo
    never exists in memory at full size.
    """
    if long_edge < 1:
        raise ValueError("long_edge must be positive")
    with _open(data, max_pixels) as image:
        icc_profile = image.info.get("icc_profile")
        width, height = image.size
        scale = min(1.0, long_edge / max(width, height))
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if image.format == "JPEG":
            image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        _decode(image)
        # Only now: a PNG's getexif() loads the pixels itself, and a broken stream would then
        # be hidden by the orientation read's own error handling.
        transpose = _upright_transpose(image)
        result = _to_rgb(image, icc_profile)
        if result.size != target:
            # After draft the remaining factor is under 2 for JPEG input. There bilinear
            # (antialiased in Pillow) is within 0.7 dB of bicubic and Lanczos (44.9 / 45.6 /
            # 45.1 dB PSNR against a full decode + Lanczos, on a 12 MP photo; quality 85 JPEG
            # itself costs more) at two thirds of bicubic's time: the resize was as costly as
            # the decode in a burst of phone uploads. reducing_gap box-reduces whole factors
            # first for the formats that cannot draft.
            result = result.resize(target, Image.Resampling.BILINEAR, reducing_gap=3.0)
        if transpose is not None:
            result = result.transpose(transpose)
        out = io.BytesIO()
        # Only what is passed here is written: no EXIF, GPS, XMP, ICC or comment travels.
        result.save(
            out,
            "JPEG",
            quality=JPEG_QUALITY,
            optimize=False,
            progressive=False,
            subsampling="4:2:0",
            exif=b"",
            icc_profile=None,
            comment=b"",
        )
    return out.getvalue()


def warm_up() -> None:
    """Load the codecs and resamplers a photo job uses (a worker calls it at start, so its
    first job does not pay for them)."""
    sample = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(sample, "JPEG")
    downscale_jpeg(sample.getvalue(), 32)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open (header only) after sniffing; refuse bombs before any pixel is decoded."""
    kind = sniff_format(data)
    if kind is None:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="format")
    if kind == "HEIF":
        _register_heif()
    try:
        with warnings.catch_warnings():
            # We check the pixel count ourselves, below; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="too_many_pixels") from None
    except _DECODE_ERRORS:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="unreadable") from None
    if image.width < 1 or image.height < 1 or image.width * image.height > max_pixels:
        image.close()
        raise Unsupported("UNSUPPORTED_IMAGE", reason="too_many_pixels")
    return image


def _container_is_complete(kind: str, data: bytes) -> bool:
    """Whether the file reaches its format's end marker: what a cut upload lacks."""
    if kind == "JPEG":
        return _jpeg_reaches_eoi(data)
    if kind == "PNG":
        return data.find(b"\x00\x00\x00\x00IEND", 8) != -1
    if kind == "WEBP":
        return 8 + int.from_bytes(data[4:8], "little") <= len(data)
    return _boxes_fill(data)  # HEIF


def _jpeg_reaches_eoi(data: bytes) -> bool:
    """Walk the header segments to the first scan; an EOI marker must follow it. Inside
    entropy-coded data 0xFF is always stuffed (FF 00) or a restart marker, so FF D9 there can
    only be the end of the image; an EXIF thumbnail's own EOI sits in a skipped segment."""
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return False
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
        elif marker == 0xDA:  # start of scan; searched from the end, where EOI normally is
            return data.rfind(b"\xff\xd9", offset) != -1
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            offset += 2
        else:
            offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
    return False


def _boxes_fill(data: bytes) -> bool:
    """ISO-BMFF (HEIF): the top-level boxes, each whole, end exactly where the file ends."""
    offset = 0
    while offset < len(data):
        if offset + 8 > len(data):
            return False
        size = int.from_bytes(data[offset : offset + 4], "big")
        if size == 1:  # 64-bit size after the type
            if offset + 16 > len(data):
                return False
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:  # the box runs to the end of the file
            return True
        if size < 8 or offset + size > len(data):
            return False
        offset += size
    return True


def _upright_transpose(image: Image.Image) -> Image.Transpose | None:
    """The turn EXIF orientation asks for; a missing or malformed tag means none."""
    try:
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
        return _ORIENTATION_TRANSPOSE.get(int(orientation))
    except Exception:
        return None


def _decode(image: Image.Image) -> None:
    """Decode every pixel (after any draft); a short or corrupt stream is UNSUPPORTED_IMAGE."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Image.DecompressionBombError:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="too_many_pixels") from None
    except _DECODE_ERRORS:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="unreadable") from None


def _to_rgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """RGB (or grayscale) in sRGB; transparency is flattened onto white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    if icc_profile:
        converted = _convert_to_srgb(image, icc_profile)
        if converted is not None:
            return converted
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    return image


def _convert_to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    """Colour-managed conversion, so dropping the profile does not shift colours. None when the
    embedded profile is unusable (the pixels are then taken as sRGB)."""
    if image.mode not in ("RGB", "CMYK"):
        return None  # grayscale stays grayscale; its gray profile is simply dropped
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


@lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=1)
def _register_heif() -> None:
    """Teach Pillow HEIC on first need, not at import (pillow-heif loads libheif)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
