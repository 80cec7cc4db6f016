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
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms, UnidentifiedImageError

from server.domain.errors import TooLarge, Unsupported


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


@dataclass(frozen=True)
class ImageHeader:
    """What a file declares about its picture, read from its bytes by this module (before any
    library sees them)."""

    format: str
    width: int
    height: int
    # JPEG: sequential (baseline) coding whose first scan holds every component, so libjpeg
    # decodes it in one pass, with DCT scaling, without whole-image buffers.
    single_scan: bool = False

    @property
    def pixels(self) -> int:
        return self.width * self.height


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
    if not _container_is_complete(header.format, data):
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
    comments are all left out. The same input always gives the same bytes. For JPEG input the
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


def read_header(data: bytes) -> ImageHeader:
    """The format and the declared size, parsed here from the first bytes of the file (no
    decoder library involved); UNSUPPORTED_IMAGE when it is none of ours or does not parse."""
    kind = sniff_format(data)
    if kind is None:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="format")
    header = _HEADER_READERS[kind](data)
    if header is None or header.width < 1 or header.height < 1:
        raise Unsupported("UNSUPPORTED_IMAGE", reason="unreadable")
    return header


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


# --- the headers, read by hand ---

# Start-of-frame markers (SOF0-SOF15 less DHT, JPG and DAC); SOF0 and SOF1 are sequential
# Huffman coding, the rest progressive, lossless or arithmetic.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_SEQUENTIAL = frozenset({0xC0, 0xC1})


def _jpeg_header(data: bytes) -> ImageHeader | None:
    """The frame header (SOF) and the first scan's (SOS) component count: the segments before
    the first scan, walked by their lengths. Two frame headers (libjpeg refuses them, and
    Pillow would believe the last) or no scan is unreadable."""
    frame: tuple[int, int, int, int] | None = None  # marker, width, height, components
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:  # extraneous bytes between segments: libjpeg skips them too
            offset = data.find(b"\xff", offset)
            if offset == -1:
                return None
            continue
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
            if marker in (0xD8, 0xD9):  # another image starts, or this one ends: no scan
                return None
            offset += 2
            continue
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        segment = data[offset + 4 : offset + 2 + length]
        if length < 2 or len(segment) < length - 2:
            return None
        if marker in _JPEG_SOF:
            if frame is not None or len(segment) < 6:
                return None
            height = int.from_bytes(segment[1:3], "big")
            width = int.from_bytes(segment[3:5], "big")
            frame = (marker, width, height, segment[5])
        elif marker == 0xDA:  # start of scan
            if frame is None or not segment:
                return None
            sof, width, height, components = frame
            single_scan = sof in _JPEG_SEQUENTIAL and segment[0] == components
            return ImageHeader("JPEG", width, height, single_scan)
        offset += 2 + length
    return None


def _png_header(data: bytes) -> ImageHeader | None:
    """IHDR, which must be the first chunk."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return ImageHeader("PNG", width, height)


def _webp_header(data: bytes) -> ImageHeader | None:
    """The first chunk: a still image's VP8 or VP8L frame header, or VP8X's canvas (every
    frame of an extended or animated file fits in it)."""
    if len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":  # the key frame's start code
            return None
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        height = int.from_bytes(data[28:30], "little") & 0x3FFF
    elif chunk == b"VP8L":
        if data[20] != 0x2F:  # the lossless signature
            return None
        bits = int.from_bytes(data[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
    else:
        return None
    return ImageHeader("WEBP", width, height)


def _heif_header(data: bytes) -> ImageHeader | None:
    """The largest image spatial extent (ispe) among the item properties (meta/iprp/ipco):
    every image item must have one, the primary image (a grid of tiles included) among them."""
    largest: tuple[int, int] | None = None
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"meta":
            continue
        for child, child_start, child_end in _boxes(data, start + 4, end):  # FullBox: +4
            if child != b"iprp":
                continue
            for container, box_start, box_end in _boxes(data, child_start, child_end):
                if container != b"ipco":
                    continue
                for prop, prop_start, prop_end in _boxes(data, box_start, box_end):
                    if prop == b"ispe" and prop_end - prop_start >= 12:
                        width, height = struct.unpack(">II", data[prop_start + 4 : prop_start + 12])
                        if largest is None or width * height > largest[0] * largest[1]:
                            largest = (width, height)
    return None if largest is None else ImageHeader("HEIF", *largest)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, content start, end) of the ISO-BMFF boxes between start and end; stops at the
    first box that does not fit."""
    offset = start
    while offset + 8 <= end:
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        header = 8
        if size == 1:
            if offset + 16 > end:
                return
            size, header = int.from_bytes(data[offset + 8 : offset + 16], "big"), 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return
        yield kind, offset + header, offset + size
        offset += size


_HEADER_READERS = {
    "JPEG": _jpeg_header,
    "PNG": _png_header,
    "WEBP": _webp_header,
    "HEIF": _heif_header,
}


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
        if data[offset] != 0xFF:  # extraneous bytes between segments: libjpeg skips them too
            offset = data.find(b"\xff", offset)
            if offset == -1:
                return False
            continue
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
