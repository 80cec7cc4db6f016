"""Our QR encoder (server/adapters/qr_encoder.py) against the `qrcode` package, module for module,
and the plain renderer's PNG unchanged by the switch to it."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
import qrcode
from PIL import Image
from qrcode import constants, util

from server.adapters import qr, qr_encoder

LEVELS = {
    "L": constants.ERROR_CORRECT_L,
    "M": constants.ERROR_CORRECT_M,
    "Q": constants.ERROR_CORRECT_Q,
    "H": constants.ERROR_CORRECT_H,
}


def capacity(version: int, level: str) -> int:
    """Bytes one byte-mode segment can hold, from qrcode's table of data bits."""
    return (util.BIT_LIMIT_TABLE[LEVELS[level]][version] - 4 - (8 if version < 10 else 16)) // 8


def reference(data: bytes, version: int, level: str, mask: int) -> np.ndarray:
    code = qrcode.QRCode(
        version=version, error_correction=LEVELS[level], border=0, mask_pattern=mask
    )
    # Byte mode said outright: from plain bytes qrcode picks numeric or alphanumeric mode where
    # they qualify (b"", b"123", b"ABC"), which our encoder never does.
    code.add_data(util.QRData(data, mode=util.MODE_8BIT_BYTE))
    code.make(fit=False)
    return np.array(code.modules, dtype=bool)


def assert_same(data: bytes, version: int, level: str, mask: int) -> None:
    ours = qr_encoder.encode(data, version, level, mask)
    assert ours.dtype == bool and ours.shape == (17 + 4 * version,) * 2
    theirs = reference(data, version, level, mask)
    assert np.array_equal(ours, theirs), (
        f"v{version}-{level} mask {mask}, {len(data)} bytes: "
        f"{np.argwhere(ours != theirs)[:8].tolist()}"
    )


def lengths(version: int, level: str, rng: random.Random) -> list[int]:
    top = capacity(version, level)
    return sorted({0, 1, rng.randrange(top + 1), top})


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version_at_m_mask_2(version):
    rng = random.Random(version)
    for length in lengths(version, "M", rng):
        assert_same(rng.randbytes(length), version, "M", 2)


def sample_combinations(count: int = 64):
    rng = random.Random(18004)
    # Every level with every mask, at versions spread over the range (7+ carry version info).
    return [
        (rng.choice([1, 2, 5, 6, 7, 9, 10, 14, 21, 26, 27, 32, 40]), level, mask)
        for level in LEVELS
        for mask in range(8)
        for _ in range(count // 32)
    ]


@pytest.mark.parametrize(("version", "level", "mask"), sample_combinations())
def test_levels_and_masks(version, level, mask):
    rng = random.Random(f"{version}{level}{mask}")
    for length in lengths(version, level, rng):
        assert_same(rng.randbytes(length), version, level, mask)


def test_text_like_data_is_still_byte_mode():
    # Digits and upper-case letters would be numeric/alphanumeric segments in qrcode by default.
    for data in (b"0123456789", b"HTTPS://EXAMPLE.EDU/M/ABC", b""):
        assert_same(data, 3, "M", 2)


def test_format_and_version_info():
    for level, ec in LEVELS.items():
        for mask in range(8):
            assert qr_encoder.format_bits(level, mask) == util.BCH_type_info(ec << 3 | mask)
    for version in range(7, 41):
        assert qr_encoder.version_bits(version) == util.BCH_type_number(version)
    # A few values as printed in ISO/IEC 18004 (annexes C and D).
    assert qr_encoder.format_bits("M", 0) == 0b101010000010010
    assert qr_encoder.format_bits("L", 0) == 0b111011111000100
    assert qr_encoder.version_bits(7) == 0b000111110010010100


@pytest.mark.parametrize("level", LEVELS)
def test_min_version_boundaries(level):
    for version in range(1, 41):
        top = capacity(version, level)
        assert qr_encoder.min_version(top, level) == version
        qr_encoder.encode(bytes(top), version, level)
        with pytest.raises(ValueError):
            qr_encoder.encode(bytes(top + 1), version, level)
        if version < 40:
            assert qr_encoder.min_version(top + 1, level) == version + 1
    with pytest.raises(ValueError):
        qr_encoder.min_version(capacity(40, level) + 1, level)


def test_plain_renderers_min_version_is_the_encoders_at_m():
    for length in (0, 1, 50, 73, 84, 85, 106, 107, 2331):
        assert qr.min_version(length) == qr_encoder.min_version(length, "M")
    with pytest.raises(ValueError):
        qr.min_version(2332)  # 40-M holds 2331 bytes


@pytest.mark.parametrize(
    ("version", "level", "mask"),
    [(0, "M", 2), (41, "M", 2), (5, "X", 2), (5, "M", 8), (5, "M", -1)],
)
def test_invalid_arguments(version, level, mask):
    with pytest.raises(ValueError):
        qr_encoder.encode(b"x", version, level, mask)


def test_matrices_are_fresh_copies():
    first = qr_encoder.encode(b"abc", 5)
    first[:] = False
    assert np.array_equal(qr_encoder.encode(b"abc", 5), reference(b"abc", 5, "M", 2))


def old_qr_matrix(data: str, version: int | None = None, mask_pattern: int = qr.MASK_PATTERN):
    """qr.qr_matrix as it was, on qrcode."""
    code = qrcode.QRCode(
        version=version or qr.min_version(len(data.encode())),
        error_correction=constants.ERROR_CORRECT_M,
        border=0,
        mask_pattern=mask_pattern,
    )
    code.add_data(data, optimize=0)
    code.make(fit=True)
    return np.array(code.modules, dtype=bool)


URLS = [
    "https://exam.example-university.edu.cn/m/aB3-x_9QzT0pLmN7rS2uV5wY8cD1eF4g",
    "https://e.cn/m/x",
    "https://" + "e" * 40 + ".edu.cn/exam/m/%2F%3F%23abcdefghijklmnopqrstuvwxyz01234",
    "https://exam.example-university.edu.cn/m/" + "%23" * 32,
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("version", [None, 2, 5, 7, 12])
def test_qr_matrix_and_png_unchanged(url, version):
    # A version too small for the URL is a minimum: both pick the next one that holds it.
    old = old_qr_matrix(url, version)
    assert np.array_equal(qr.qr_matrix(url, version), old)
    # The PNG's pixels: 10 px per module, dark = 0, a 4-module white quiet zone.
    with Image.open(io.BytesIO(qr.render_png(url, version=version))) as image:
        pixels = np.asarray(image.convert("L")) > 127
    expected = ~np.repeat(np.repeat(np.pad(old, qr.BORDER), qr.BOX_SIZE, 0), qr.BOX_SIZE, 1)
    assert np.array_equal(pixels, expected)
