"""Camera-like test photos made with Pillow: smooth scene, sensor noise, EXIF with GPS.

Deterministic (seeded), so sizes and timings repeat. The upright picture has a red block in
its top-left corner and a blue one in its top-right corner; `orientation` stores it the way a
phone does, rotated, with the EXIF tag saying how to turn it back.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw
from PIL.TiffImagePlugin import IFDRational

ORIENTATION = 0x0112
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
# How to store an upright picture so that EXIF orientation N turns it back (inverse of N's fix).
_STORE_AS = {
    1: None,
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}
RED = (220, 20, 20)
BLUE = (20, 20, 220)


def upright_scene(width: int, height: int, seed: int = 1) -> Image.Image:
    """A photo-like RGB picture: soft colour fields, edges, and grain."""
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3))
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        size = rng.randrange(min(width, height) // 20, min(width, height) // 5)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + size, y + size // 2), outline=colour, width=max(2, size // 30))
    block = max(8, min(width, height) // 8)
    draw.rectangle((0, 0, block, block), fill=RED)
    draw.rectangle((width - block, 0, width, block), fill=BLUE)
    tile = Image.frombytes("L", (256, 256), rng.randbytes(256 * 256)).point(
        lambda v: 128 + (v - 128) // 16
    )
    grain = Image.new("L", (width, height))
    for top in range(0, height, 256):
        for left in range(0, width, 256):
            grain.paste(tile, (left, top))
    grain_rgb = Image.merge("RGB", (grain, grain, grain))
    return ImageChops.add(image, grain_rgb, scale=1.0, offset=-128)


def camera_exif(orientation: int = 1, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "Phone Camera 48MP"  # Model
    exif[ORIENTATION] = orientation
    exif[0x0132] = "2026:06:07 09:15:00"  # DateTime
    exif.get_ifd(EXIF_IFD)[0x9003] = "2026:06:07 09:15:00"  # DateTimeOriginal
    if gps:
        ifd = exif.get_ifd(GPS_IFD)
        ifd[1] = "N"
        ifd[2] = (IFDRational(39), IFDRational(54), IFDRational(2730, 100))
        ifd[3] = "E"
        ifd[4] = (IFDRational(116), IFDRational(23), IFDRational(1734, 100))
    return exif


def camera_jpeg(
    width: int = 4000,
    height: int = 3000,
    orientation: int = 1,
    gps: bool = True,
    quality: int = 92,
    seed: int = 1,
) -> bytes:
    """A JPEG as a phone writes it: `width` x `height` stored pixels, EXIF orientation and GPS.

    The upright picture is (height x width) for orientations 6 and 8.
    """
    upright = (height, width) if orientation in (6, 8) else (width, height)
    image = upright_scene(*upright, seed=seed)
    if _STORE_AS[orientation] is not None:
        image = image.transpose(_STORE_AS[orientation])
    assert image.size == (width, height)
    out = io.BytesIO()
    image.save(
        out, "JPEG", quality=quality, exif=camera_exif(orientation, gps), comment=b"camera comment"
    )
    return out.getvalue()


def phone_compressed(original: bytes, long_edge: int = 1600, quality: int = 80) -> bytes:
    """`original` as a phone sends it after compressing it before upload (wx.compressImage, the
    web companion): the stored pixels scaled to `long_edge`, re-encoded at `quality`, and the
    camera's EXIF kept as it was, orientation and GPS included."""
    with Image.open(io.BytesIO(original)) as image:
        exif = image.info.get("exif", b"")
        scale = long_edge / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        image.draft("RGB", size)
        small = image.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    return encode(small, "JPEG", quality=quality, exif=exif)


def encode(image: Image.Image, format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


# --- decompression bombs and headers that claim more than they hold ---


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


@lru_cache(maxsize=2)  # ~2 s to compress 360 MB of zeros: once per test process
def png_bomb(side: int = 10954) -> bytes:
    """A complete, valid RGB PNG of side x side black pixels whose IDAT is zlib of zeros: for
    10954 (120 MP, under the old 120 MP limit) ~350 KB on the wire, ~360 MB once decoded."""
    row = b"\x00" * (1 + side * 3)  # filter byte "none", then the pixels
    compressor = zlib.compressobj(9)
    rows_per_call = 64
    chunks = [compressor.compress(row * rows_per_call) for _ in range(side // rows_per_call)]
    chunks += [compressor.compress(row * (side % rows_per_call)), compressor.flush()]
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(chunks))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int, progressive: bool = False) -> bytes:
    """A small, whole JPEG whose frame header (SOF) claims width x height: its header is what
    a camera's photo of that size would send; its pixels do not decode."""
    data = encode(upright_scene(64, 48), "JPEG", quality=80, progressive=progressive)
    sof = data.index(b"\xff\xc2" if progressive else b"\xff\xc0")
    # FF Cn, length (2), precision (1), height (2), width (2)
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def webp_claiming(width: int, height: int) -> bytes:
    """An extended WebP (VP8X) whose canvas is width x height around a small still image."""
    still = encode(upright_scene(64, 48), "WEBP", quality=80)
    vp8 = still[12:]  # the VP8 chunk
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + vp8
    return b"RIFF" + struct.pack("<I", len(body)) + body


def plain_jpeg(width: int, height: int, **options) -> bytes:
    """A quickly made camera-sized JPEG (flat colour and a few lines, no grain), e.g. 48 MP."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    draw = ImageDraw.Draw(image)
    for left in range(0, width, max(1, width // 16)):
        draw.line((left, 0, width - left, height), fill=(200, 30, 30), width=max(1, width // 200))
    return encode(image, "JPEG", quality=85, **options)
