"""Image headers read by hand (JPEG SOF, PNG IHDR, WebP VP8/VP8L/VP8X, HEIF ispe): the size and
kind of an upload decided before any decoder runs, and whether its container is whole."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from server.domain.errors import Unsupported

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}


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


def container_is_complete(kind: str, data: bytes) -> bool:
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
