"""Photo intake and downscaling (FAQ 21) on camera-like photos and hostile files."""

from __future__ import annotations

import contextlib
import io
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from server.domain.errors import TooLarge, Unsupported
from server.domain.photos import (
    PIXEL_LIMITS,
    PixelLimits,
    downscale_jpeg,
    inspect_upload,
    sniff_format,
)
from tests.photos import (
    BLUE,
    GPS_IFD,
    RED,
    camera_jpeg,
    encode,
    jpeg_claiming,
    png_bomb,
    upright_scene,
    webp_claiming,
)

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


# Intake reads the header and checks that the container reaches its end: a cut upload is
# refused there, the pixels are decoded once, by the job.


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.9999])
def test_truncated_jpeg_is_refused(phone_jpeg, cut):
    assert_unsupported(phone_jpeg[: int(len(phone_jpeg) * cut)])


def test_jpeg_header_alone_is_refused(phone_jpeg):
    assert_unsupported(phone_jpeg[:600])


@pytest.mark.parametrize("format", ["PNG", "WEBP"])
def test_truncated_png_and_webp_are_refused(format):
    data = encode(upright_scene(640, 480), format)
    assert_unsupported(data[: len(data) // 2])


def test_truncated_heic_is_refused(iphone_heic):
    assert_unsupported(iphone_heic[: len(iphone_heic) // 2])


def test_the_container_check_accepts_what_phones_really_send(phone_jpeg, iphone_heic):
    # A thumbnail carries its own end-of-image marker before the scan; a "motion photo" appends
    # a video after the JPEG's end. Neither is a cut file, and a cut one stays refused.
    thumbnail = encode(upright_scene(160, 120), "JPEG")
    segment = b"\xff\xe2" + (len(thumbnail) + 2).to_bytes(2, "big") + thumbnail
    with_thumbnail = phone_jpeg[:2] + segment + phone_jpeg[2:]
    assert inspect_upload(with_thumbnail, LIMIT).format == "JPEG"
    assert_unsupported(with_thumbnail[: len(with_thumbnail) // 2])
    motion = phone_jpeg + b"\x00\x00\x00\x18ftypmp42" + os.urandom(4096)
    assert inspect_upload(motion, LIMIT).width == 4000
    assert inspect_upload(iphone_heic, LIMIT).format == "HEIF"
    for format in ("PNG", "WEBP"):
        assert inspect_upload(encode(upright_scene(64, 48), format), LIMIT).format == format


def test_padding_between_jpeg_segments_is_tolerated_as_libjpeg_does():
    data = camera_jpeg(800, 600)
    after_app1 = 4 + int.from_bytes(data[4:6], "big")
    padded = data[:after_app1] + b"\x00\x00\x00" + data[after_app1:]
    assert inspect_upload(padded, LIMIT).width == 800
    assert decoded(downscale_jpeg(padded, 400)).size == (400, 300)


def test_damage_inside_a_whole_png_is_left_to_the_decode():
    data = encode(upright_scene(640, 480), "PNG")
    start = data.find(b"IDAT") + 200
    damaged = (
        data[:start]
        + bytes(byte ^ 0x5A for byte in data[start : start + 2000])
        + data[start + 2000 :]
    )
    assert inspect_upload(damaged, LIMIT).format == "PNG"
    with pytest.raises(Unsupported) as caught:
        downscale_jpeg(damaged, 1600)
    assert caught.value.extra == {"reason": "unreadable"}


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


# --- intake: pixels, per format, from the header alone ---


@contextlib.contextmanager
def no_decoding():
    """Fail if any pixel is decoded inside (Pillow's load, for every format and plugin); the
    test's own inputs are made before."""
    from PIL import ImageFile

    calls: list[str | None] = []

    def refuse(self, *args, **kwargs):
        calls.append(self.format)
        raise AssertionError(f"{self.format} pixels decoded")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ImageFile.ImageFile, "load", refuse)
        patch.setattr(Image.Image, "load", refuse)
        yield
    assert calls == []


def assert_too_large(data: bytes, limits: PixelLimits = PIXEL_LIMITS) -> TooLarge:
    with pytest.raises(TooLarge) as caught:
        inspect_upload(data, LIMIT, limits)
    assert caught.value.code == "IMAGE_TOO_LARGE"
    assert caught.value.faq == 21 and "像素" in caught.value.message
    return caught.value


def test_a_png_bomb_is_refused_from_its_header():
    # 350 KB on the wire, 360 MB decoded: accepted before, under the old 120 MP limit.
    bomb = png_bomb(10954)
    assert len(bomb) < 400_000
    with no_decoding():
        started = time.perf_counter()
        error = assert_too_large(bomb)
        assert time.perf_counter() - started < 0.05
    assert error.extra == {
        "format": "PNG",
        "width": 10954,
        "height": 10954,
        "max_pixels": PIXEL_LIMITS.other,
    }


def test_headers_claiming_more_than_their_format_may_have_are_refused():
    png = png_claiming(50_000, 50_000)  # the classic bomb shape
    webp = webp_claiming(6000, 6000)
    progressive = jpeg_claiming(8000, 6000, progressive=True)
    baseline = jpeg_claiming(12000, 11000)
    with no_decoding():
        assert_too_large(png)
        # WebP: refused before libwebp (which allocates the canvas when a file is opened).
        assert assert_too_large(webp).extra["max_pixels"] == PIXEL_LIMITS.webp
        # A progressive JPEG is decoded with whole-image buffers: 48 MP is too many for one.
        assert_too_large(progressive)
        assert_too_large(baseline)  # 132 MP, even in one scan


def test_camera_sized_jpegs_pass_the_header_check():
    # 48 MP and 108 MP phones write baseline JPEGs; the worker decodes them with DCT scaling.
    sizes = ((8000, 6000), (12000, 9000))
    baseline = [jpeg_claiming(*size) for size in sizes]
    progressive = jpeg_claiming(7000, 5000, progressive=True)
    webp = webp_claiming(5000, 5000)
    with no_decoding():
        for size, data in zip(sizes, baseline, strict=True):
            info = inspect_upload(data, LIMIT)
            assert (info.format, info.width, info.height) == ("JPEG", *size)
        assert inspect_upload(progressive, LIMIT).width == 7000
        assert inspect_upload(webp, LIMIT).format == "WEBP"


def test_intake_decodes_no_pixel_of_any_format(phone_jpeg, iphone_heic):
    scene = upright_scene(640, 480)
    uploads = (
        phone_jpeg,
        iphone_heic,
        encode(scene, "PNG"),
        encode(scene, "WEBP"),
        encode(scene.convert("RGBA"), "WEBP"),
        encode(scene, "JPEG", progressive=True),
    )
    with no_decoding():
        for data in uploads:
            inspect_upload(data, LIMIT)


def test_pixel_limits_are_a_parameter():
    data = encode(upright_scene(400, 300), "PNG")
    assert_too_large(data, PixelLimits(other=100_000))
    assert inspect_upload(data, LIMIT, PixelLimits(other=120_000)).width == 400


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


# --- the worker's memory ceiling ---


def test_the_worker_refuses_a_bomb_without_decoding_it():
    # A bomb stored before the limits existed, or whatever reaches a job: never decoded.
    bomb = png_bomb(10954)
    with no_decoding(), pytest.raises(Unsupported) as caught:
        downscale_jpeg(bomb, 1600)
    assert caught.value.extra == {"reason": "too_many_pixels"}


def test_the_size_a_decode_would_build_is_checked_before_load():
    # A 108 MP JPEG drafted for a long edge of 8192 would still be built at full size (the next
    # DCT scale, 1/2, is too small): more than the ceiling, refused before load() allocates.
    jpeg = jpeg_claiming(12000, 9000)
    png = encode(upright_scene(400, 300), "PNG")
    with no_decoding():
        with pytest.raises(Unsupported) as caught:
            downscale_jpeg(jpeg, 8192)
        assert caught.value.extra == {"reason": "too_many_pixels"}
        with pytest.raises(Unsupported):
            downscale_jpeg(png, 200, PixelLimits(decoded=100_000))


# The worst file each limit lets through, made in a process of its own: (format, size, options).
WORST_FILES = {
    "108 MP baseline JPEG": ("JPEG", "RGB", (12000, 9000), {"quality": 85}),
    "40 MP progressive JPEG": ("JPEG", "RGB", (7300, 5470), {"progressive": True}),
    "40 MP RGBA PNG": ("PNG", "RGBA", (7300, 5470), {"compress_level": 1}),
    "25 MP RGBA WebP": ("WEBP", "RGBA", (5770, 4330), {"quality": 80}),
}
MAKE_WORST_FILE = """
import sys
from PIL import Image, ImageDraw
format, mode, width, height, options, path = eval(sys.argv[1])
image = Image.new(mode, (width, height), (30, 120, 200, 255)[: len(mode)])
draw = ImageDraw.Draw(image)
for left in range(0, width, 500):
    draw.line((left, 0, width - left, height), fill=(200, 30, 30, 128)[: len(mode)], width=40)
image.save(path, format, **options)
"""
MEASURE_DOWNSCALE = """
import sys
from pathlib import Path
from server.domain.errors import Unsupported
from server.domain.photos import downscale_jpeg
try:
    outcome = len(downscale_jpeg(Path(sys.argv[1]).read_bytes(), 1600))
except Unsupported as error:
    outcome = error.extra["reason"]
peak = [line for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM")]
print(outcome, int(peak[0].split()[1]) // 1024)
"""


def peak_of_downscale(path: Path) -> tuple[str, int]:
    """What downscale_jpeg made of the file (bytes, or the refusal's reason) and the peak
    resident memory of the whole process, interpreter included, in MB."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_DOWNSCALE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    outcome, peak_mb = result.stdout.split()
    return outcome, int(peak_mb)


@pytest.mark.parametrize("name", list(WORST_FILES))
def test_the_worst_file_each_limit_allows_decodes_within_the_ceiling(tmp_path, name):
    format, mode, size, options = WORST_FILES[name]
    path = tmp_path / "worst"
    spec = repr((format, mode, *size, options, str(path)))
    subprocess.run([sys.executable, "-c", MAKE_WORST_FILE, spec], check=True)
    inspect_upload(path.read_bytes(), LIMIT)  # intake lets it through
    outcome, peak_mb = peak_of_downscale(path)
    assert outcome.isdigit(), outcome
    assert peak_mb < 480, f"{name}: peak RSS {peak_mb} MB"


def test_a_bomb_reaching_the_worker_costs_no_memory(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(10954))
    outcome, peak_mb = peak_of_downscale(path)
    assert outcome == "too_many_pixels"
    assert peak_mb < 100, f"peak RSS {peak_mb} MB (decoded, the bomb would take 360 MB)"


@pytest.mark.parametrize("orientation", [0, 9, 65535])
def test_unknown_orientation_is_taken_as_upright(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(upright_scene(400, 300), "JPEG", exif=exif)
    out = decoded(downscale_jpeg(data, 200))
    assert out.size == (200, 150) and near(out.getpixel((3, 3)), RED)
