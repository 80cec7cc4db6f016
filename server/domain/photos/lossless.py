"""A JPEG that already is what the worker would make of it, kept as it is with only its metadata
left out (FAQ 21): phones and the web companion compress answer photos to the stored size
before upload, and decoding and re-encoding such a photo would cost most of its job and lose
quality for nothing.

Only a whole-file condition lets a photo through: a sequential single-scan JPEG within the long
edge, upright (EXIF and XMP orientation absent or 1), without a colour profile (it would need
converting to sRGB). Anything else goes the decoding way.
"""

from __future__ import annotations

import re

from PIL import Image

from server.domain.photos.headers import read_header

# Segments a decoder needs: quantisation and Huffman tables, restart interval, the sequential
# frame header, and Adobe's APP14, whose transform flag says whether three components are
# YCbCr or RGB. Everything else before the scan (APPn, COM) is metadata and is left out.
_TABLES = frozenset({0xDB, 0xC4, 0xDD, 0xC0, 0xC1, 0xEE})
_SOF = frozenset({0xC0, 0xC1})
_APP0, _APP1, _APP2, _COM, _SOS = 0xE0, 0xE1, 0xE2, 0xFE, 0xDA
# JFIF 1.01 without a thumbnail: written in place of the file's own JFIF segment (whose
# thumbnail would be a second, unchecked copy of the picture).
_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
_XMP_ORIENTATION = re.compile(rb'tiff:Orientation(?:="|>)([0-9])')


def metadata_stripped(data: bytes, long_edge: int) -> bytes | None:
    """`data` without EXIF (GPS, device), XMP, comments, MPF and whatever follows the image's
    end, when nothing else needs changing; None when the photo must be decoded instead (too
    large, rotated, progressive, colour-managed, or segments this walk does not know).

    The scan's bytes are copied unchanged, so the picture is exactly the phone's.
    UNSUPPORTED_IMAGE (from read_header) when the file is no image at all.
    """
    header = read_header(data)
    if header.format != "JPEG" or not header.single_scan:
        return None
    if max(header.width, header.height) > long_edge:
        return None
    kept = [b"\xff\xd8"]
    jfif = False
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return None  # bytes between segments: left to the decoder's leniency
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:
            return None  # a marker without a length before the scan: not a file to copy
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        end = offset + 2 + length
        if length < 2 or end > len(data):
            return None
        payload = data[offset + 4 : end]
        if marker == _SOS:
            image_end = data.find(b"\xff\xd9", end)  # in the scan, 0xFF is always stuffed
            if image_end == -1:
                return None
            kept.append(data[offset : image_end + 2])
            if jfif:  # JFIF must follow SOI at once; it says three components are YCbCr
                kept.insert(1, _JFIF)
            return b"".join(kept)
        if marker in _TABLES:
            if marker in _SOF and (len(payload) < 6 or payload[5] not in (1, 3)):
                return None  # CMYK (four components) is converted to RGB by the decoding way
            kept.append(data[offset:end])
        elif marker == _APP0:
            jfif = jfif or payload.startswith(b"JFIF\x00")
        elif marker == _APP1:
            if not _upright(payload):
                return None
        elif marker == _APP2:
            if payload.startswith(b"ICC_PROFILE\x00"):
                return None
        elif not (0xE3 <= marker <= 0xEF or marker == _COM):
            return None  # e.g. DNL, or a frame header that is not sequential
        offset = end
    return None


def _upright(app1: bytes) -> bool:
    """Whether an APP1 segment (EXIF or XMP) leaves the picture as stored: orientation absent
    or 1, read as downscale_jpeg reads it (Pillow's EXIF, then XMP's tiff:Orientation)."""
    if app1.startswith(b"Exif\x00\x00"):
        try:
            exif = Image.Exif()
            exif.load(app1)
            return int(exif.get(0x0112, 1)) == 1
        except Exception:  # malformed EXIF: the decoding way decides
            return False
    match = _XMP_ORIENTATION.search(app1)
    return match is None or match[1] == b"1"
