"""Photo intake and downscaling (FAQ 21) on camera-like photos and hostile files."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from server.domain.errors import TooLarge, Unsupported
from server.domain.photos import MAX_PIXELS, downscale_jpeg, inspect_upload, sniff_format
from tests.photos import BLUE, GPS_IFD, RED, camera_jpeg, encode, upright_scene

MB = 1024 * 1024
LIMIT = 25 * MB
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def phone_jpeg() -> bytes:
    """12 MP as a phone stores a portrait shot: 4000x3000 pixels, EXIF orientation 6, GPS."""
    return camera_jpeg(4000, 3000, orientation=6)


def heic(image: Image.Image, **options) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return encode(image, "HEIF", quality=80, **options)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG header claiming a huge picture: the classic bomb shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def assert_unsupported(data: bytes, **options) -> Unsupported:
    with pytest.raises(Unsupported) as caught:
        inspect_upload(data, LIMIT, **options)
    assert caught.value.code == "UNSUPPORTED_IMAGE"
    assert caught.value.faq == 21
    assert "JPG" in caught.value.message and "HEIC" in caught.value.message
    return caught.value


# --- intake: what is accepted ---


def test_camera_jpeg_is_accepted_as_stored(phone_jpeg):
    info = inspect_upload(phone_jpeg, LIMIT)
    assert (info.format, info.width, info.height, info.mime) == ("JPEG", 4000, 3000, "image/jpeg")


@pytest.mark.parametrize(
    "format, mime, options",
    [
        ("PNG", "image/png", {}),
        ("WEBP", "image/webp", {"quality": 80}),
    ],
)
def test_png_and_webp_are_accepted(format, mime, options):
    data = encode(upright_scene(640, 480), format, **options)
    info = inspect_upload(data, LIMIT)
    assert (info.format, info.width, info.height, info.mime) == (format, 640, 480, mime)


@pytest.fixture(scope="module")
def iphone_heic() -> bytes:
    return heic(upright_scene(640, 480))  # small: HEVC encoding is slow


def test_heic_from_an_iphone_is_accepted(iphone_heic):
    info = inspect_upload(iphone_heic, LIMIT)
    assert (info.format, info.mime) == ("HEIF", "image/heic")
    assert (info.width, info.height) == (640, 480)


def test_content_decides_not_the_name(tmp_path):
    # A PNG saved as "photo.jpg" is a PNG; inspect_upload never sees a name at all.
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(upright_scene(64, 48), "PNG"))
    assert inspect_upload(path.read_bytes(), LIMIT).format == "PNG"


# --- intake: what is refused ---


def test_empty_upload_is_refused():
    assert_unsupported(b"")


def test_text_file_named_jpg_is_refused(tmp_path):
    path = tmp_path / "answer.jpg"
    path.write_text("这不是照片，只是一个改了扩展名的文本文件\n" * 20, encoding="utf-8")
    assert_unsupported(path.read_bytes())


# Both intake checks refuse a cut upload: the full decode, and the container check the phone's
# answer photos get (their pixels are decoded once, by the job).
both_checks = pytest.mark.parametrize("decode", [True, False], ids=["decoded", "container"])


@both_checks
@pytest.mark.parametrize("cut", [0.5, 0.9, 0.9999])
def test_truncated_jpeg_is_refused(phone_jpeg, cut, decode):
    assert_unsupported(phone_jpeg[: int(len(phone_jpeg) * cut)], decode=decode)


@both_checks
def test_jpeg_header_alone_is_refused(phone_jpeg, decode):
    assert_unsupported(phone_jpeg[:600], decode=decode)


@both_checks
@pytest.mark.parametrize("format", ["PNG", "WEBP"])
def test_truncated_png_and_webp_are_refused(format, decode):
    data = encode(upright_scene(640, 480), format)
    assert_unsupported(data[: len(data) // 2], decode=decode)


@both_checks
def test_truncated_heic_is_refused(iphone_heic, decode):
    assert_unsupported(iphone_heic[: len(iphone_heic) // 2], decode=decode)


def test_the_container_check_accepts_what_phones_really_send(phone_jpeg, iphone_heic):
    # A thumbnail carries its own end-of-image marker before the scan; a "motion photo" appends
    # a video after the JPEG's end. Neither is a cut file, and a cut one stays refused.
    thumbnail = encode(upright_scene(160, 120), "JPEG")
    segment = b"\xff\xe2" + (len(thumbnail) + 2).to_bytes(2, "big") + thumbnail
    with_thumbnail = phone_jpeg[:2] + segment + phone_jpeg[2:]
    assert inspect_upload(with_thumbnail, LIMIT, decode=False).format == "JPEG"
    assert_unsupported(with_thumbnail[: len(with_thumbnail) // 2], decode=False)
    motion = phone_jpeg + b"\x00\x00\x00\x18ftypmp42" + os.urandom(4096)
    assert inspect_upload(motion, LIMIT, decode=False).width == 4000
    assert inspect_upload(iphone_heic, LIMIT, decode=False).format == "HEIF"
    for format in ("PNG", "WEBP"):
        assert (
            inspect_upload(encode(upright_scene(64, 48), format), LIMIT, decode=False).format
            == format
        )


def test_damage_inside_a_whole_png_is_left_to_the_decode():
    data = encode(upright_scene(640, 480), "PNG")
    start = data.find(b"IDAT") + 200
    damaged = (
        data[:start]
        + bytes(byte ^ 0x5A for byte in data[start : start + 2000])
        + data[start + 2000 :]
    )
    assert inspect_upload(damaged, LIMIT, decode=False).format == "PNG"
    assert assert_unsupported(damaged).extra == {"reason": "unreadable"}
    with pytest.raises(Unsupported):
        downscale_jpeg(damaged, 1600)


def test_the_container_check_still_refuses_bombs_before_decoding():
    assert assert_unsupported(png_claiming(50_000, 50_000), decode=False).extra == {
        "reason": "too_many_pixels"
    }


@pytest.mark.parametrize("format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(format):
    assert_unsupported(encode(upright_scene(64, 48), format))


def test_thirty_megabytes_is_too_large_before_any_decoding(phone_jpeg):
    data = phone_jpeg[:2] + os.urandom(30 * MB)
    with pytest.raises(TooLarge) as caught:
        inspect_upload(data, LIMIT)
    assert caught.value.code == "UPLOAD_TOO_LARGE"
    assert caught.value.faq == 21
    assert caught.value.extra == {"size": len(data), "max_bytes": LIMIT}


def test_decompression_bomb_header_is_refused():
    error = assert_unsupported(png_claiming(50000, 50000))
    assert error.extra["reason"] == "too_many_pixels"


def test_real_decompression_bomb_is_refused_from_its_header():
    # 121 MP of one colour compresses to a few hundred kilobytes.
    side = int(MAX_PIXELS**0.5) + 100
    data = encode(Image.new("L", (side, side)), "PNG", compress_level=1)
    assert len(data) < 2 * MB
    error = assert_unsupported(data)
    assert error.extra["reason"] == "too_many_pixels"


def test_pixel_limit_is_a_parameter():
    data = encode(upright_scene(400, 300), "PNG")
    assert_unsupported(data, max_pixels=100_000)
    assert inspect_upload(data, LIMIT, max_pixels=120_000).width == 400


def test_avif_brand_is_not_heic():
    ftyp = struct.pack(">I", 24) + b"ftypavif" + b"\x00\x00\x00\x00" + b"mif1avif"
    assert sniff_format(ftyp + b"\x00" * 64) is None


# --- downscaling ---


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def test_orientation_6_comes_out_upright(phone_jpeg):
    image = decoded(downscale_jpeg(phone_jpeg, 1600))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (1200, 1600)
    # The upright picture has red top-left and blue top-right.
    assert near(image.getpixel((10, 10)), RED)
    assert near(image.getpixel((1189, 10)), BLUE)


@pytest.mark.parametrize("orientation", [1, 3, 8])
def test_other_orientations_come_out_upright(orientation):
    data = camera_jpeg(1200, 900, orientation=orientation)
    image = decoded(downscale_jpeg(data, 600))
    assert image.size == ((600, 450) if orientation in (1, 3) else (450, 600))
    assert near(image.getpixel((4, 4)), RED)
    assert near(image.getpixel((image.width - 5, 4)), BLUE)


def test_no_metadata_survives(phone_jpeg):
    assert b"Exif" in phone_jpeg[:200] and b"camera comment" in phone_jpeg
    out = downscale_jpeg(phone_jpeg, 1600)
    image = decoded(out)
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert [marker for marker, _ in image.applist] == ["APP0"]  # JFIF only: no APP1 Exif/XMP
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    assert b"Exif" not in out and b"GPS" not in out and b"camera comment" not in out
    assert b"\xff\xfe" not in out[: out.index(b"\xff\xda")]  # no COM segment before the scan


def test_never_upscales_and_keeps_small_photos_small():
    data = camera_jpeg(800, 600)
    assert decoded(downscale_jpeg(data, 1600)).size == (800, 600)


def test_output_is_deterministic_and_stable_when_repeated(phone_jpeg):
    first = downscale_jpeg(phone_jpeg, 1600)
    assert downscale_jpeg(phone_jpeg, 1600) == first
    again = downscale_jpeg(first, 1600)
    assert decoded(again).size == (1200, 1600)
    assert near(decoded(again).getpixel((10, 10)), RED)


def test_48_megapixel_photo_is_reduced_while_decoding(tmp_path):
    """Peak memory of the whole process (interpreter included) stays under 150 MB: the DCT
    scaling in Image.draft means the 48 MP picture is never decoded at full size."""
    path = tmp_path / "48mp.jpg"
    path.write_bytes(camera_jpeg(8000, 6000, orientation=6))
    script = (
        "import sys; from pathlib import Path\n"
        "from server.domain.photos import downscale_jpeg\n"
        "out = downscale_jpeg(Path(sys.argv[1]).read_bytes(), 1600)\n"
        "peak = [l for l in Path('/proc/self/status').read_text().splitlines()"
        " if l.startswith('VmHWM')]\n"
        "print(len(out), int(peak[0].split()[1]) // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    size, peak_mb = map(int, result.stdout.split())
    assert size > 50_000
    assert peak_mb < 150, f"peak RSS {peak_mb} MB"


@pytest.mark.parametrize("format", ["PNG", "WEBP", "HEIF"])
def test_every_accepted_format_becomes_a_jpeg(format, iphone_heic):
    data = iphone_heic if format == "HEIF" else encode(upright_scene(640, 480), format)
    out = decoded(downscale_jpeg(data, 400))
    assert (out.format, out.mode, out.size) == ("JPEG", "RGB", (400, 300))
    assert near(out.getpixel((4, 4)), RED)


def test_heic_with_rotation_comes_out_upright():
    # pillow-heif stores orientation 6 as a HEIF rotation and applies it when decoding.
    stored = upright_scene(300, 400).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = decoded(downscale_jpeg(heic(stored, exif=exif.tobytes()), 200))
    assert out.size == (150, 200)
    assert near(out.getpixel((4, 4)), RED)


def test_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    out = decoded(downscale_jpeg(encode(image, "PNG"), 1600))
    assert out.mode == "RGB" and near(out.getpixel((50, 50)), (255, 255, 255), 3)


def test_colour_profile_is_converted_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (300, 200), (200, 60, 30)), "JPEG", quality=95, icc_profile=srgb)
    out = decoded(downscale_jpeg(data, 1600))
    assert "icc_profile" not in out.info
    assert near(out.getpixel((150, 100)), (200, 60, 30), 6)


def test_cmyk_jpeg_becomes_rgb():
    data = encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG")
    out = decoded(downscale_jpeg(data, 1600))
    assert out.mode == "RGB" and out.getpixel((150, 100))[0] > 200


def test_downscale_refuses_what_intake_refuses(phone_jpeg):
    with pytest.raises(Unsupported):
        downscale_jpeg(phone_jpeg[: len(phone_jpeg) // 2], 1600)
    with pytest.raises(Unsupported):
        downscale_jpeg(png_claiming(50000, 50000), 1600)


@pytest.mark.parametrize("orientation", [0, 9, 65535])
def test_unknown_orientation_is_taken_as_upright(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(upright_scene(400, 300), "JPEG", exif=exif)
    out = decoded(downscale_jpeg(data, 200))
    assert out.size == (200, 150) and near(out.getpixel((3, 3)), RED)
