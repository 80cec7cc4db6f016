"""Our QR encoder (server/adapters/qr_encoder.py) against the `qrcode` package, module for module:
with a given mask, and with the mask chosen per code (the penalty scores and the choice are
qrcode's; masks whose symbol has a finder look-alike are passed over). And the plain renderer's
PNG is that matrix."""

from __future__ import annotations

import io
import random
import string
from functools import cache

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


def qrcode_code(data: bytes, version: int, level: str, mask: int | None) -> qrcode.QRCode:
    code = qrcode.QRCode(
        version=version, error_correction=LEVELS[level], border=0, mask_pattern=mask
    )
    # Byte mode said outright: from plain bytes qrcode picks numeric or alphanumeric mode where
    # they qualify (b"", b"123", b"ABC"), which our encoder never does.
    code.add_data(util.QRData(data, mode=util.MODE_8BIT_BYTE))
    code.make(fit=False)
    return code


def reference(data: bytes, version: int, level: str, mask: int) -> np.ndarray:
    return np.array(qrcode_code(data, version, level, mask).modules, dtype=bool)


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
    for mask in (3, None):  # a given mask, and the chosen one
        expected = reference(
            b"abc", 5, "M", qr_encoder.encode_best(b"abc", 5)[1] if mask is None else mask
        )
        first = qr_encoder.encode(b"abc", 5, "M", mask)
        first[:] = False
        assert np.array_equal(qr_encoder.encode(b"abc", 5, "M", mask), expected)


def old_qr_matrix(data: str, version: int | None, mask_pattern: int):
    """qr.qr_matrix as it was, on qrcode, with the given mask."""
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
    data = url.encode()
    _, mask = qr_encoder.encode_best(data, max(version or 1, qr.min_version(len(data))))
    old = old_qr_matrix(url, version, mask)
    assert np.array_equal(qr.qr_matrix(url, version), old)
    # The PNG's pixels: 10 px per module, dark = 0, a 4-module white quiet zone.
    with Image.open(io.BytesIO(qr.render_png(url, version=version))) as image:
        pixels = np.asarray(image.convert("L")) > 127
    expected = ~np.repeat(np.repeat(np.pad(old, qr.BORDER), qr.BOX_SIZE, 0), qr.BOX_SIZE, 1)
    assert np.array_equal(pixels, expected)


# --- the mask chosen per code ---


@cache
def qrcode_scores(data: bytes, version: int, level: str) -> tuple[int, ...]:
    """qrcode's penalty score of each mask, as its best_mask_pattern computes them."""
    code = qrcode_code(data, version, level, 0)
    scores = []
    for mask in range(8):
        code.makeImpl(True, mask)  # "test" mode: format and version info light
        scores.append(util.lost_point(code.modules))
    return tuple(scores)


def random_urls(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_"
    bases = ["https://exam.example.edu.cn", "https://exam.example-university.edu.cn"]
    return [
        f"{rng.choice(bases)}/m/{''.join(rng.choice(alphabet) for _ in range(32))}".encode()
        for _ in range(count)
    ]


def choice_cases() -> list[tuple[bytes, int, str]]:
    """~200 random pairing URLs at their version and one up, and edge cases: empty and full
    symbols, every level, version info (7+), 16-bit counts (10+), a larger version."""
    urls = random_urls(200, 7)
    cases = [(url, qr.min_version(len(url)) + i % 2, "M") for i, url in enumerate(urls)]
    rng = random.Random(18004)
    for version, level in [(1, "L"), (1, "H"), (2, "Q"), (7, "M"), (9, "H"), (10, "L"), (14, "Q")]:
        cases += [(b"", version, level), (rng.randbytes(capacity(version, level)), version, level)]
        url = b"https://e.cn/m/" + bytes(rng.choices(b"AZaz09-_", k=12))
        cases.append((url[: capacity(version, level)], version, level))
    cases.append((rng.randbytes(300), 21, "M"))
    return cases


def test_penalty_scores_are_qrcodes():
    rng = np.random.default_rng(5)
    for n in (21, 25, 33, 37, 41, 57):
        for density in (0.5, 0.3, 0.7, 0.05, 0.95):
            symbols = rng.random((8, n, n)) < density
            packed = np.packbits(symbols, axis=0, bitorder="little")[0]
            expected = [util.lost_point(symbol.tolist()) for symbol in symbols]
            assert qr_encoder.penalty_scores(packed).tolist() == expected, (n, density)


@pytest.mark.parametrize("case", range(0, 230, 23))
def test_best_mask_is_qrcodes_best_mask_pattern(case):
    for data, version, level in choice_cases()[case : case + 23]:
        matrix, mask = qr_encoder.encode_best(data, version, level, avoid_lookalikes=False)
        code = qrcode_code(data, version, level, None)  # qrcode's own choice
        assert np.array_equal(matrix, np.array(code.modules, dtype=bool)), (data, version, level)
        assert mask == code.best_mask_pattern()
        scores = qrcode_scores(data, version, level)
        assert mask == scores.index(min(scores))


@pytest.mark.parametrize("case", range(0, 230, 23))
def test_chosen_mask_passes_over_finder_lookalikes(case):
    for data, version, level in choice_cases()[case : case + 23]:
        matrix, mask = qr_encoder.encode_best(data, version, level)
        scores = qrcode_scores(data, version, level)
        ranked = sorted(range(8), key=lambda k: (scores[k], k))
        symbols = {k: reference(data, version, level, k) for k in ranked}
        clean = [k for k in ranked if not qr_encoder.finder_lookalikes(symbols[k])]
        assert mask == (clean[0] if clean else ranked[0]), (data, version, level)
        assert np.array_equal(matrix, symbols[mask])
        assert np.array_equal(qr_encoder.encode(data, version, level), matrix)


def test_the_guard_changes_some_choices():
    cases = choice_cases()
    changed = sum(
        qr_encoder.encode_best(*case)[1] != qr_encoder.encode_best(*case, avoid_lookalikes=False)[1]
        for case in cases
    )
    assert 0.03 * len(cases) < changed < 0.3 * len(cases)


def plain_symbol(version: int = 4) -> np.ndarray:
    """The function patterns of a symbol, every data module light."""
    return qr_encoder.layout(version, "M", 0).base.copy()


def plant(symbol: np.ndarray, row: int, col: int, column: str, across: str, at: int) -> None:
    """Column `col` from `row` - len // 2 reads `column` ("#" dark); row `row` from column
    `col` - at reads `across`."""
    for i, mark in enumerate(column):
        symbol[row - len(column) // 2 + i, col] = mark == "#"
    for i, mark in enumerate(across):
        symbol[row, col - at + i] = mark == "#"


def test_finder_lookalikes():
    assert qr_encoder.finder_lookalikes(plain_symbol()) == []  # the finders themselves
    cross = plain_symbol()
    plant(cross, 20, 20, ".#.###.#.", ".#.###.#.", 4)
    assert qr_encoder.finder_lookalikes(cross) == [(20, 20)]
    # OpenCV's tolerance across: 1:1:2:1:1 (weight 0.19), 1:1:4:1:1 (0.14), 1:2:4:1:1 (0.19);
    # the middle on the module, or just right of it for an even length.
    for across, at in [
        (".#.##.#.", 3),
        (".#.##.#.", 4),
        (".#.####.#.", 4),
        (".#.####.#.", 5),
        (".#..####.#.", 5),
    ]:
        symbol = plain_symbol()
        plant(symbol, 20, 20, ".#.###.#.", across, at)
        assert (20, 20) in qr_encoder.finder_lookalikes(symbol), (across, at)
    # Down the boundary between two columns: either both columns ORed or both ANDed read it.
    for left, right in [(".#.###...", "...###.#."), ("##.###.#.", ".#.###.##")]:
        symbol = plain_symbol()
        plant(symbol, 20, 19, left, "#", 0)
        plant(symbol, 20, 20, right, "#.##.#.", 3)  # 1:1:2:1:1, its middle on the boundary
        assert qr_encoder.finder_lookalikes(symbol) == [(20, 20)], (left, right)
        plant(symbol, 20, 20, right, ".#.##.#.", 3)  # the same one module right: no
        assert qr_encoder.finder_lookalikes(symbol) == [], (left, right)
    for column, across, at in [
        (".#.###.#.", "..####.##.", 3),  # the row 4:1:2 only
        (".#.###.#.", ".##.###.##.", 5),  # the row 2:1:3:1:2 (weight 0.32)
        (".#.###.#.", ".#.##.#.", 2),  # the row's middle two modules away
        (".#.###.#.", ".#..####.#.", 6),  # an odd length's middle one module away
        (".#.###.##", ".#.###.#.", 4),  # the column's last dark run two long
        ("...###...", ".#.###.#.", 4),  # the column 3 dark alone
    ]:
        symbol = plain_symbol()
        plant(symbol, 20, 20, column, across, at)
        assert qr_encoder.finder_lookalikes(symbol) == [], (column, across)
    double = plain_symbol()
    plant(double, 20, 20, ".##..######..##.", "#", 0)  # twice as large, whatever the row
    assert qr_encoder.finder_lookalikes(double) == [(20, 20)]
    edge = plain_symbol()  # the quiet zone below the symbol ends the column's last dark run
    plant(edge, 29, 20, "#.###.#", ".#.###.#.", 4)
    assert qr_encoder.finder_lookalikes(edge) == [(29, 20)]
    edge = plain_symbol()  # but a row's five runs must all be in the symbol
    plant(edge, 29, 32, "#.###.#", "#.###", 4)
    assert qr_encoder.finder_lookalikes(edge) == []
