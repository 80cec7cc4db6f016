"""Photos that phones compress before upload (issue 15): one that already fits keeps its own
JPEG scan, and loses all its metadata; anything the worker must change still goes the decoding
way (server/domain/photos/lossless.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from server.domain.errors import Unsupported
from server.domain.photos import downscale_jpeg
from tests.photos import BLUE, GPS_IFD, RED, camera_jpeg, encode, phone_compressed


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def with_segments(data: bytes, *segments: bytes) -> bytes:
    """`data` with `segments` inserted before its first scan (after the tables, as cameras
    write XMP and comments)."""
    sos = data.index(b"\xff\xda")
    return data[:sos] + b"".join(segments) + data[sos:]


@pytest.fixture(scope="module")
def upright_phone_photo() -> bytes:
    """What a phone sends that rotated the pixels itself: 1600 x 1200, orientation 1, GPS."""
    return phone_compressed(camera_jpeg(4000, 3000, orientation=1))


def test_an_upright_phone_photo_keeps_its_pixels_and_loses_its_metadata(upright_phone_photo):
    sent = with_segments(
        upright_phone_photo,
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>secret place</x:xmpmeta>"),
        segment(0xFE, b"camera comment"),
    )
    assert b"GPS" in sent or decoded(sent).getexif().get_ifd(GPS_IFD)
    out = downscale_jpeg(sent, 1600)
    image = decoded(out)
    assert image.size == (1600, 1200) and image.mode == "RGB"
    # The very same picture: the scan was copied, not decoded and encoded again.
    assert ImageChops.difference(image, decoded(sent).convert("RGB")).getbbox() is None
    assert len(out) < len(sent)
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert [marker for marker, _ in image.applist] == ["APP0"]  # JFIF only
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    for secret in (b"Exif", b"Huawei", b"secret place", b"camera comment"):
        assert secret not in out
    assert downscale_jpeg(sent, 1600) == out  # deterministic
    assert downscale_jpeg(out, 1600) == out  # and a fixed point


def test_a_rotated_phone_photo_still_comes_out_upright():
    sent = phone_compressed(camera_jpeg(4000, 3000, orientation=6))  # stored 1600 x 1200
    image = decoded(downscale_jpeg(sent, 1600))
    assert image.size == (1200, 1600)
    assert near(image.getpixel((10, 10)), RED) and near(image.getpixel((1189, 10)), BLUE)
    assert not image.getexif()


def test_xmp_orientation_is_honoured_as_the_decoding_way_honours_it():
    stored = phone_compressed(camera_jpeg(4000, 3000, orientation=6))
    plain = encode(decoded(stored), "JPEG", quality=80)  # no EXIF: XMP alone says "turn"
    xmp = b'http://ns.adobe.com/xap/1.0/\x00<rdf:Description tiff:Orientation="6"/>'
    image = decoded(downscale_jpeg(with_segments(plain, segment(0xE1, xmp)), 1600))
    assert image.size == (1200, 1600)
    assert near(image.getpixel((10, 10)), RED)


def test_images_after_the_photo_are_dropped(upright_phone_photo):
    # Phones append more pictures after the first one's end (MPF: depth maps, previews), each
    # with its own EXIF.
    trailer = camera_jpeg(320, 240, orientation=1)
    out = downscale_jpeg(upright_phone_photo + trailer, 1600)
    assert out.endswith(b"\xff\xd9") and out.count(b"\xff\xd8") == 1
    assert b"Exif" not in out and len(out) < len(upright_phone_photo)


def test_a_photo_larger_than_the_stored_size_is_still_downscaled(upright_phone_photo):
    assert decoded(downscale_jpeg(upright_phone_photo, 800)).size == (800, 600)


def test_a_progressive_or_grey_photo_that_fits_is_still_a_clean_jpeg(upright_phone_photo):
    progressive = encode(decoded(upright_phone_photo), "JPEG", quality=80, progressive=True)
    out = decoded(downscale_jpeg(progressive, 1600))
    assert out.size == (1600, 1200) and "progressive" not in out.info
    grey = encode(decoded(upright_phone_photo).convert("L"), "JPEG", quality=80)
    kept = downscale_jpeg(with_segments(grey, segment(0xFE, b"camera comment")), 1600)
    assert decoded(kept).mode == "L" and b"camera comment" not in kept


def test_a_damaged_scan_is_refused_as_the_decoding_way_refuses_it(upright_phone_photo):
    sos = upright_phone_photo.index(b"\xff\xda")
    middle = (sos + len(upright_phone_photo)) // 2
    damaged = upright_phone_photo[:middle] + bytes(range(256)) * 40 + upright_phone_photo[middle:]
    with pytest.raises(Unsupported) as refused:
        downscale_jpeg(damaged, 1600)
    assert refused.value.code == "UNSUPPORTED_IMAGE"
