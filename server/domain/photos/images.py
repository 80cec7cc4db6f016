"""Photo intake and downscaling (FAQ 21), in plain Pillow: no Flask, no storage.

Phones send large album originals (12 to 108 MP, sometimes HEIC, often rotated by an EXIF tag
and carrying GPS). `inspect_upload` decides from the header alone (read here, by hand) whether an
upload is a photo we accept, before anything is stored and without decoding a pixel: the web
process never decodes, and a decompression bomb never reaches a decoder. `downscale_jpeg`, in
the worker, makes the small, upright, metadata-free JPEG that everything else uses, under a
memory ceiling (PixelLimits).
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
from server.domain.photos import lossless
from server.domain.photos.headers import (
    ImageHeader,
    container_is_complete,
    read_header,
)


@dataclass(frozen=True)
class PixelLimits:
    """How many pixels an upload may declare, per format, decided from its header alone (a
    decompression bomb is a small file declaring a huge picture: a 350 KB PNG can declare
    10954 x 10954), and how many one decode in a worker may build: its memory ceiling.
    """

    # Each is set so that the worst file of the format decodes in a worker within ~450 MB
    # (peak resident memory of downscale_jpeg, measured; tests/domain/test_images.py checks it).
    #
    # A JPEG coded in one sequential scan over all its components (what cameras, phones and
    # browsers write) is decoded with DCT scaling (Image.draft): a 108 MP phone photo is built
    # at 1/4 or 1/8 of its size, and libjpeg keeps only a few rows of it at a time (~60 MB).
    single_scan_jpeg: int = 120_000_000
    # Everything else is decoded at full size. PNG (screenshots, scans: 40 MP is an A4 page at
    # 600 dpi; ~370 MB for RGBA), and progressive or multi-scan JPEG (libjpeg keeps the whole
    # image's coefficients until the last scan, 2-3 bytes a pixel; ~150 MB).
    other: int = 40_000_000
    # WebP: libwebp's decoder holds two canvases besides Pillow's copy (~16 bytes a pixel;
    # ~430 MB).
    webp: int = 25_000_000
    # HEIC as an iPhone writes it: up to 48 MP ("HEIF Max", 8064 x 6048; ~370 MB).
    heif: int = 50_000_000
    # Pixels one decode may build, after any DCT scaling (Pillow keeps RGB at 4 bytes a
    # pixel): the ceiling for what the per-format limits let through, e.g. a JPEG whose draft
    # cannot scale enough for a large PHOTO_LONG_EDGE.
    decoded: int = 50_000_000

    def for_header(self, header: ImageHeader) -> int:
        if header.format == "JPEG":
            return self.single_scan_jpeg if header.single_scan else self.other
        if header.format == "HEIF":
            return self.heif
        if header.format == "WEBP":
            return self.webp
        return self.other


PIXEL_LIMITS = PixelLimits()
JPEG_QUALITY = 85

MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}
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


def inspect_upload(data: bytes, max_bytes: int, limits: PixelLimits = PIXEL_LIMITS) -> ImageInfo:
    """Accept a JPEG/PNG/WebP/HEIC upload from its bytes, without decoding a single pixel.

    TooLarge: UPLOAD_TOO_LARGE past `max_bytes`, IMAGE_TOO_LARGE when the header declares more
    pixels than `limits` allow for its format (a decompression bomb). Unsupported
    (UNSUPPORTED_IMAGE): empty, not an image, another image format, a header that does not
    parse, or a cut file (the container does not reach its end).

    The pixels are left to the worker's job, which decodes the photo anyway (with its own
    ceiling, see downscale_jpeg): this runs in the web process, where a decode would hold a
    request worker and its memory. Damage inside an intact container shows in that job.
    """
    if len(data) > max_bytes:
        raise TooLarge("UPLOAD_TOO_LARGE", size=len(data), max_bytes=max_bytes)
    header = read_header(data)
    _check_pixels(header, header.pixels, limits)
    if not container_is_complete(header.format, data):
        raise Unsupported("UNSUPPORTED_IMAGE", reason="unreadable")
    if header.format != "WEBP":
        # Pillow's (and pillow-heif's) header parse, as a second opinion on what the file
        # declares. Not for WebP: opening one creates libwebp's decoder, which allocates the
        # whole canvas at once.
        with _pillow_open(data, header, limits):
            pass
    return ImageInfo(header.format, header.width, header.height, MIME_TYPES[header.format])


def downscale_jpeg(data: bytes, long_edge: int, limits: PixelLimits = PIXEL_LIMITS) -> bytes:
    """An upright JPEG whose long edge is at most `long_edge`, with no metadata at all.

    Accepts whatever inspect_upload accepts. EXIF orientation is applied, the result is never
    upscaled, colour profiles are converted to sRGB (then dropped), and EXIF, GPS, XMP, ICC and
    comments are all left out. The same input always gives the same bytes. A JPEG that is
    already small, upright and sRGB (a phone-compressed photo) keeps its own scan, only its
    metadata left out (lossless.py); its scan is still decoded, at 1/8 scale, to find damage.
    For other JPEG input the
    decoder's DCT scaling (Image.draft) shrinks by up to 8x while decoding, so a 48 MP photo
    never exists in memory at full size.

    The memory ceiling: the header is checked against `limits` as at intake (a file stored
    before a limit was lowered is refused here too), and the size the decoder will build, after
    DCT scaling, against `limits.decoded`, before load() allocates it. Anything refused is
    Unsupported (UNSUPPORTED_IMAGE, reason too_many_pixels), which every job reports.
    """
    if long_edge < 1:
        raise ValueError("long_edge must be positive")
    try:
        header = read_header(data)
        _check_pixels(header, header.pixels, limits)
        # A phone-compressed photo that is already upright, small and sRGB keeps its own
        # bytes, less the metadata: no generation loss, a tenth of the decode-and-encode.
        stripped = lossless.metadata_stripped(data, long_edge)
        if stripped is not None:
            _check_scan(stripped, header, limits)
            return stripped
        image = _pillow_open(data, header, limits)
    except TooLarge:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="too_many_pixels") from None
    with image:
        icc_profile = image.info.get("icc_profile")
        width, height = image.size
        scale = min(1.0, long_edge / max(width, height))
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if header.format == "JPEG":
            image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        if image.width * image.height > limits.decoded:  # the size load() would allocate
            raise Unsupported("UNSUPPORTED_IMAGE", reason="too_many_pixels")
        _decode(image)
        # Only now: a PNG's getexif() loads the pixels itself, and a broken stream would then
        # be hidden by the orientation read's own error handling.
        transpose = _upright_transpose(image)
        result = _to_rgb(image, icc_profile)
        if result is not image:
            image.close()  # the decoded picture goes before the resize makes another
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


def _check_pixels(header: ImageHeader, pixels: int, limits: PixelLimits) -> None:
    limit = limits.for_header(header)
    if pixels > limit:
        raise TooLarge(
            "IMAGE_TOO_LARGE",
            format=header.format,
            width=header.width,
            height=header.height,
            max_pixels=limit,
        )


def _pillow_open(data: bytes, header: ImageHeader, limits: PixelLimits) -> Image.Image:
    """Open with Pillow (header only, no pixel decoded), once our own header passed the limits;
    what Pillow reads must pass them too (IMAGE_TOO_LARGE)."""
    if header.format == "HEIF":
        _register_heif()
    try:
        with warnings.catch_warnings():
            # The pixel counts are checked here, per format; Pillow's warning is only noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[header.format])
    except Image.DecompressionBombError:
        raise TooLarge(
            "IMAGE_TOO_LARGE",
            format=header.format,
            width=header.width,
            height=header.height,
            max_pixels=limits.for_header(header),
        ) from None
    except _DECODE_ERRORS:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="unreadable") from None
    try:
        if image.width < 1 or image.height < 1:
            raise Unsupported("UNSUPPORTED_IMAGE", reason="unreadable")
        _check_pixels(header, image.width * image.height, limits)
    except (TooLarge, Unsupported):
        image.close()
        raise
    return image


def _check_scan(data: bytes, header: ImageHeader, limits: PixelLimits) -> None:
    """Decode a kept JPEG's scan at 1/8 scale (every coefficient is still entropy-decoded), so
    that damage the decoding way would find is found here too: UNSUPPORTED_IMAGE."""
    with _pillow_open(data, header, limits) as image:
        image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
        _decode(image)


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
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
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
