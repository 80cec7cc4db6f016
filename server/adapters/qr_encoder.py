"""QR code module matrices (ISO/IEC 18004) for one byte-mode segment at a given version, error
correction level and mask pattern, or with the mask chosen for the data (encode_best).

Everything that depends only on (version, level, mask) is built once and cached as a layout: the
function patterns with format and version info drawn, the data modules' positions in placement
order, the mask at those positions and the codeword interleaving order. A code then costs its
data codewords, a table-driven Reed-Solomon encoder and one numpy scatter. The block structure
and alignment-pattern positions are the ``qrcode`` package's public tables (a pinned
dependency); tests/adapters/test_qr_encoder.py checks the matrices module for module against it.

Choosing the mask (section 7.8.3): the eight masked symbols are built at once, one per bit of a
uint8 matrix over the cached layout, and scored with the four penalty rules in a few dozen
byte-wise numpy operations (penalty_scores: the scores of ``qrcode``'s ``util.lost_point``,
hence its ``best_mask_pattern``). The lowest score wins, unless that symbol has a finder
look-alike in its data (finder_lookalikes, see there), which OpenCV's detector cannot get past;
then the next lowest without one. A matrix takes about 0.25 ms so (0.1 of it the scores, 0.1
the look-alikes) on the 2-core development VM, against 0.02 ms with a given mask
(bench/README.md, qr_render).
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import NamedTuple

import numpy as np

EC_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}  # the format info's level bits (also qrcode's constants)
# Data mask conditions (i = row, j = column); they take numpy index arrays.
MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
FORMAT_GENERATOR, FORMAT_XOR, VERSION_GENERATOR = 0x537, 0x5412, 0x1F25
_PAD = b"\xec\x11" * 1500  # more than the 2956 data codewords of version 40-L


def bch(value: int, generator: int) -> int:
    """`value` followed by the remainder of value * x^deg(generator) divided by the generator."""
    degree = generator.bit_length() - 1
    remainder = value << degree
    while remainder.bit_length() > degree:
        remainder ^= generator << (remainder.bit_length() - 1 - degree)
    return value << degree | remainder


def format_bits(ec_level: str, mask: int) -> int:
    return bch(EC_BITS[ec_level] << 3 | mask, FORMAT_GENERATOR) ^ FORMAT_XOR


def version_bits(version: int) -> int:
    return bch(version, VERSION_GENERATOR)


@cache
def _gf_exp_log() -> tuple[list[int], list[int]]:
    """Powers and logarithms of alpha = 2 in GF(256) modulo x^8 + x^4 + x^3 + x^2 + 1."""
    exp, log = [0] * 510, [0] * 256
    x = 1
    for i in range(255):
        exp[i] = exp[i + 255] = x
        log[x] = i
        x = x << 1 ^ (0x11D if x & 0x80 else 0)
    return exp, log


def _gf_mul(a: int, b: int) -> int:
    exp, log = _gf_exp_log()
    return exp[log[a] + log[b]] if a and b else 0


@cache
def _rs_table(ecc_length: int) -> tuple[int, ...]:
    """For each feedback byte f: f times the generator polynomial prod(x - alpha^i), i < ecc_length,
    without its leading 1, packed big-endian into one int, so one LFSR step is an int xor."""
    exp, _ = _gf_exp_log()
    generator = [1]  # coefficients, highest degree first
    for i in range(ecc_length):  # times (x + alpha^i); minus is plus in GF(2^8)
        generator = [
            a ^ _gf_mul(b, exp[i]) for a, b in zip(generator + [0], [0] + generator, strict=True)
        ]
    tail = generator[1:]
    return tuple(int.from_bytes(bytes(_gf_mul(f, g) for g in tail), "big") for f in range(256))


def _rs_ecc(block: bytes, ecc_length: int, table: tuple[int, ...]) -> bytes:
    """The remainder of block(x) * x^ecc_length divided by the generator polynomial."""
    shift = 8 * (ecc_length - 1)
    low = (1 << shift) - 1
    remainder = 0
    for byte in block:
        remainder = (remainder & low) << 8 ^ table[remainder >> shift ^ byte]
    return remainder.to_bytes(ecc_length, "big")


@cache
def _blocks(version: int, ec_level: str) -> tuple[tuple[int, ...], int]:
    """(data codewords of each block, ECC codewords per block)."""
    from qrcode.base import rs_blocks

    blocks = rs_blocks(version, EC_BITS[ec_level])
    return tuple(b.data_count for b in blocks), blocks[0].total_count - blocks[0].data_count


def _rings(size: int) -> np.ndarray:
    """Chebyshev distance of each module of a size x size square from its centre."""
    i, j = np.indices((size, size))
    return np.maximum(abs(i - size // 2), abs(j - size // 2))


@cache
def _function_patterns(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(dark, data positions): finder, timing and alignment patterns drawn (the format and
    version info and the dark module are left to the layout); the data modules' flat indices in
    placement order."""
    from qrcode.util import PATTERN_POSITION_TABLE

    n = 17 + 4 * version
    dark, reserved = np.zeros((n, n), bool), np.zeros((n, n), bool)
    finder = np.isin(_rings(7), (0, 1, 3))
    for top, left in ((0, 0), (0, n - 7), (n - 7, 0)):
        dark[top : top + 7, left : left + 7] = finder
    # Finders with their separators, the format areas and the dark module (n - 8, 8).
    reserved[:9, :9] = reserved[:9, n - 8 :] = reserved[n - 8 :, :9] = True
    alignment = np.isin(_rings(5), (0, 2))
    centres = PATTERN_POSITION_TABLE[version - 1]
    for row in centres:
        for col in centres:
            if not reserved[row, col]:  # the three that would overlap a finder are left out
                dark[row - 2 : row + 3, col - 2 : col + 3] = alignment
                reserved[row - 2 : row + 3, col - 2 : col + 3] = True
    # Timing patterns; alignment patterns they cross agree with them (centres are even).
    dark[6, 8 : n - 8] = dark[8 : n - 8, 6] = np.arange(8, n - 8) % 2 == 0
    reserved[6, :] = reserved[:, 6] = True
    if version >= 7:  # the version info areas (drawn by layout)
        reserved[:6, n - 11 : n - 8] = reserved[n - 11 : n - 8, :6] = True
    # Two-column zigzag from the bottom right, alternately up and down; column 6 is skipped.
    order: list[int] = []
    for pair, right in enumerate(range(n - 1, 0, -2)):
        right -= right <= 6
        for row in range(n - 1, -1, -1) if pair % 2 == 0 else range(n):
            order.extend(row * n + col for col in (right, right - 1) if not reserved[row, col])
    return dark, np.array(order, np.intp)


class Layout(NamedTuple):
    base: np.ndarray  # every module but the data modules drawn (read-only)
    positions: np.ndarray  # flat indices of the data modules, in placement order
    mask_bits: np.ndarray  # uint8, the mask at those positions
    block_sizes: tuple[int, ...]  # data codewords per block
    data_codewords: int  # their sum
    ecc_length: int  # ECC codewords per block
    rs_table: tuple[int, ...]
    order: np.ndarray  # interleaved codeword i is codeword order[i] of data blocks + ECC blocks


@cache
def layout(version: int, ec_level: str, mask: int) -> Layout:
    if not (isinstance(version, int) and 1 <= version <= 40):
        raise ValueError(f"invalid QR version {version!r}")
    if ec_level not in EC_BITS or mask not in range(8):
        raise ValueError(f"invalid error correction {ec_level!r} or mask {mask!r}")
    dark, positions = _function_patterns(version)
    n = dark.shape[0]
    base = dark.copy()
    bits = [format_bits(ec_level, mask) >> k & 1 for k in range(15)]  # bit 0 = least significant
    base[[0, 1, 2, 3, 4, 5, 7, 8, *range(n - 7, n)], 8] = bits
    base[8, [*range(n - 1, n - 9, -1), 7, 5, 4, 3, 2, 1, 0]] = bits
    base[n - 8, 8] = True
    if version >= 7:  # bit k of 18 at (k // 3, n - 11 + k % 3) and its transpose
        block = np.array([version_bits(version) >> k & 1 for k in range(18)], bool).reshape(6, 3)
        base[:6, n - 11 : n - 8], base[n - 11 : n - 8, :6] = block, block.T
    base.flags.writeable = False
    mask_bits = MASKS[mask](*np.divmod(positions, n)).astype(np.uint8)
    positions.flags.writeable = mask_bits.flags.writeable = False
    sizes, ecc_length = _blocks(version, ec_level)
    starts = np.cumsum((0,) + sizes[:-1])
    # Codeword i of every block in turn, data first (short blocks run out first), then ECC.
    data_order = [
        start + i
        for i in range(max(sizes))
        for start, size in zip(starts, sizes, strict=True)
        if i < size
    ]
    ecc_order = [
        sum(sizes) + b * ecc_length + i for i in range(ecc_length) for b in range(len(sizes))
    ]
    return Layout(
        base,
        positions,
        mask_bits,
        sizes,
        sum(sizes),
        ecc_length,
        _rs_table(ecc_length),
        np.array(data_order + ecc_order, np.intp),
    )


def _fits(length: int, version: int, data_codewords: int) -> bool:
    # Mode indicator, character count (8 bits up to version 9, 16 from 10), the bytes.
    return 4 + (8 if version < 10 else 16) + 8 * length <= 8 * data_codewords


@cache  # at most 4 x 2954 lengths that fit; a call per code otherwise scans
def min_version(length: int, ec_level: str = "M") -> int:
    """The smallest version holding `length` bytes in byte mode at `ec_level`."""
    if ec_level not in EC_BITS:
        raise ValueError(f"invalid error correction {ec_level!r}")
    for version in range(1, 41):
        if _fits(length, version, sum(_blocks(version, ec_level)[0])):
            return version
    raise ValueError(f"{length} bytes do not fit in a QR code at error correction {ec_level}")


def _codeword_bits(data: bytes, version: int, ec_level: str, lay: Layout) -> np.ndarray:
    """The interleaved data and ECC codewords of `data` as bits (uint8 0/1), in placement order."""
    length, count_bits = len(data), 8 if version < 10 else 16
    if not _fits(length, version, lay.data_codewords):
        raise ValueError(f"{length} bytes do not fit in a version {version}-{ec_level} QR code")
    # Mode 0100, count, data and the 4-bit terminator: with 12 or 20 header bits the first
    # three end 4 bits short of a byte, so a fitting segment always has room for the whole
    # terminator, which ends it on a byte boundary. Then alternating pad bytes.
    value = (4 << count_bits | length) << 8 * length | int.from_bytes(data, "big")
    stream = (value << 4).to_bytes(length + count_bits // 8 + 1, "big")
    stream += _PAD[: lay.data_codewords - len(stream)]
    ecc, start = [], 0
    for size in lay.block_sizes:
        ecc.append(_rs_ecc(stream[start : start + size], lay.ecc_length, lay.rs_table))
        start += size
    return np.unpackbits(np.frombuffer(stream + b"".join(ecc), np.uint8)[lay.order])


def encode(data: bytes, version: int, ec_level: str = "M", mask: int | None = None) -> np.ndarray:
    """The module matrix (bool, True = dark, no quiet zone) of `data` as one byte-mode segment,
    with `mask`, or by default the mask that encode_best chooses."""
    if mask is None:
        return encode_best(data, version, ec_level)[0]
    lay = layout(version, ec_level, mask)
    codeword_bits = _codeword_bits(data, version, ec_level, lay)
    bits = lay.mask_bits.copy()  # remainder bits are 0, so they keep just the mask
    bits[: len(codeword_bits)] ^= codeword_bits
    matrix = lay.base.copy()
    matrix.reshape(-1)[lay.positions] = bits.view(bool)
    return matrix


# --- choosing the mask (ISO/IEC 18004 section 7.8.3) ---
#
# The eight candidate symbols are scored at once, packed one per bit of a uint8 matrix (bit k:
# the module under mask k), so each rule is a few byte-wise operations on arrays of a few
# thousand bytes for every candidate together. The rows and then the columns are laid end to
# end in one flat array of "lines"; what would cross the end of a line is cleared by masks
# cached per size. The counts per candidate come from a histogram of the byte values times
# their bits.

_BYTE_BITS = np.unpackbits(
    np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little"
).astype(np.float64)  # (256, 8): bit k of each byte value (float for a BLAS product; exact)


@cache
def _line_masks(n: int) -> tuple[np.ndarray, np.ndarray]:
    """For the 2n lines of n modules laid end to end: 0xFF at each line's first module, and
    0xFF where 11 modules from there stay within the line."""
    column = np.arange(2 * n * n) % n
    starts = np.where(column == 0, np.uint8(0xFF), np.uint8(0))
    elevens = np.where(column[: max(2 * n * n - 10, 0)] <= n - 11, np.uint8(0xFF), np.uint8(0))
    starts.flags.writeable = elevens.flags.writeable = False
    return starts, elevens


def penalty_scores(packed: np.ndarray) -> np.ndarray:
    """The penalty score (int64) of each of eight n x n symbols packed into one uint8 matrix
    (bit k: symbol k's modules, 1 = dark), as the ``qrcode`` package's ``util.lost_point``
    scores one: N1 = 3 for a run of five same-coloured modules in a row or column and 1 per
    module beyond five; N2 = 3 per 2 x 2 block of one colour (overlapping blocks each count);
    N3 = 40 per 1:1:3:1:1 dark-light-dark-light-dark pattern with 4 light modules after or
    before it, inside the symbol; N4 = 10 per whole 5 % the dark proportion is off 50 %."""
    n = packed.shape[0]
    line_starts, elevens = _line_masks(n)
    cells = packed.reshape(-1)
    x = np.concatenate((cells, packed.T.reshape(-1)))  # the rows, then the columns
    # differs[t]: module t differs from module t - 1 of its line (always set at a line start).
    differs = np.empty_like(x)
    differs[0] = 0
    np.bitwise_xor(x[1:], x[:-1], out=differs[1:])
    differs |= line_starts
    same = ~differs
    # N1: a run of L >= 5 holds L - 4 windows of five alike, and the one at its start adds 2.
    pairs = same[1:] & same[:-1]  # pairs[t]: modules t - 1, t and t + 1 alike
    fives = pairs[1:-2] & pairs[3:]  # fives[t]: modules t to t + 4 alike
    run_starts = fives & differs[: fives.size]
    # N2: (t, t + 1) alike in a row, (t + n, t + n + 1) alike in the next, t alike with t + n.
    rows = same[: n * n + 1]
    blocks = rows[1 : n * n - n + 1] & rows[n + 1 :] & ~(cells[: n * n - n] ^ cells[n:])
    # N3: 1011101 (1 = dark) starting at t with 0000 after it, or 0000 then 1011101.
    light = ~x
    dark3 = x[:-2] & x[1:-1] & x[2:]
    core = x[:-6] & light[1:-5] & dark3[2:-2] & light[5:-1] & x[6:]
    light2 = light[:-1] & light[1:]
    light4 = light2[:-2] & light2[2:]
    finders = (core[: x.size - 10] & light4[7:]) | (light4[: x.size - 10] & core[4:])
    finders &= elevens
    histogram = (
        np.bincount(fives, minlength=256)
        + 2 * np.bincount(run_starts, minlength=256)
        + 3 * np.bincount(blocks, minlength=256)
        + 40 * np.bincount(finders, minlength=256)
    )
    scores, darks = np.stack((histogram, np.bincount(cells, minlength=256))) @ _BYTE_BITS
    # N4 in qrcode's float arithmetic, so that a proportion on a 5 % step rates as there.
    balance = [int(abs(d / n**2 * 100 - 50) / 5) * 10 for d in darks.tolist()]
    return scores.astype(np.int64) + np.array(balance, np.int64)


@cache
def _candidates(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(base, masks), flat uint8: 0xFF where a function pattern is dark (format and version info
    and the dark module left light); bit k set where mask k inverts a data module."""
    n = 17 + 4 * version
    dark, positions = _function_patterns(version)
    base = np.where(dark.reshape(-1), np.uint8(0xFF), np.uint8(0))
    rows, cols = np.divmod(positions, n)
    masks = np.zeros(n * n, np.uint8)
    for k, condition in enumerate(MASKS):
        masks[positions] |= condition(rows, cols).astype(np.uint8) << k
    base.flags.writeable = masks.flags.writeable = False
    return base, masks


@cache
def _finished(version: int, ec_level: str) -> np.ndarray:
    """uint8 (n, n): bit k set where the symbol with mask k has a dark non-data module, the
    format and version info and the dark module included."""
    bases = np.stack([layout(version, ec_level, k).base for k in range(8)])
    finished = np.packbits(bases, axis=0, bitorder="little")[0]
    finished.flags.writeable = False
    return finished


# --- finder look-alikes ---
#
# OpenCV's detector (cv2.QRCodeDetector) takes for a finder pattern any run of pixels that reads
# about 1:1:3:1:1 across (dark, light, dark, light, dark; _finder_weight under 0.2) and whose
# column, through the run's middle, reads it as closely as the real finders do; it then groups
# the candidates into three with k-means and gives up when there is a fourth group. A data
# module whose column reads light, 1:1:3:1:1, light through it and whose row reads as a finder
# within that tolerance is such a fourth group. The penalty rules do not measure it (rule 3 asks
# for 4 light modules beside the pattern, along one line): with the mask they choose, OpenCV
# still misread 55-60 of 2000 of our codes at 10 px a module, nearly all for this. So a mask
# whose symbol has one is passed over. Where the row's middle falls on the boundary between two
# columns, OpenCV's resize blends them, so the boundary is also read as the two columns ORed
# and ANDed; a column reading the pattern twice as large (2:2:6:2:2) counts whatever its row
# (OpenCV found rows for those in blended pixels); the row tolerance is 0.23, not 0.2, as pixels
# blur by one or two. OpenCV still misreads about 1 code in 4000 (3 of 12000 measured): a
# boundary it reads partly as one column and partly as the other.

FINDER_COLUMN = (0, 1, 0, 1, 1, 1, 0, 1, 0)  # light, 1:1:3:1:1, light; the centre in the middle
FINDER_COLUMN_2X = (0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0)
FINDER_ROW_WEIGHT = 0.23
ROW_REACH = 8  # the row's five runs are looked for within 8 modules either side


def _column_reads(modules: np.ndarray, *patterns: tuple[int, ...]) -> list[np.ndarray]:
    """For each pattern, uint8 like `modules` (uint8, eight symbols packed, bit k: symbol k):
    bit k set at (r, c) where column c of symbol k, light beyond the edges, reads the pattern
    with its middle element (the later one of two) at row r."""
    height, reach = modules.shape[0], max(len(pattern) for pattern in patterns) // 2
    dark = np.zeros((height + 2 * reach, modules.shape[1]), np.uint8)
    dark[reach : reach + height] = modules
    light = ~dark
    reads = []
    for pattern in patterns:
        top = reach - len(pattern) // 2
        found = (dark if pattern[0] else light)[top : top + height].copy()
        for k, colour in enumerate(pattern[1:], top + 1):
            np.bitwise_and(found, (dark if colour else light)[k : k + height], out=found)
        reads.append(found)
    return reads


def _finder_weight(runs: tuple[int, ...]) -> float:
    """OpenCV's measure of five runs against 1:1:3:1:1: the sum of |run / total - ratio|."""
    total = sum(runs)
    return sum(
        abs(run / total - ratio / 7) for run, ratio in zip(runs, (1, 1, 3, 1, 1), strict=True)
    )


@cache
def _finder_rows() -> np.ndarray:
    """uint8 (2 ** (2 ROW_REACH + 1),): for each row of modules c - ROW_REACH to c + ROW_REACH
    (bit i: module c - ROW_REACH + i, 1 = dark), bit 0 set where five whole runs, dark first,
    read about 1:1:3:1:1 (_finder_weight under FINDER_ROW_WEIGHT) with their middle on c (or
    just right of c, for an even length); bit 1 where their middle is the boundary between
    c - 1 and c (an even length). Their middle always falls in their middle run."""
    width, c = 2 * ROW_REACH + 1, ROW_REACH
    table = np.zeros(1 << width, np.uint8)
    for total in range(5, width - 1):  # the runs and a light module either side
        for cuts in itertools.combinations(range(1, total), 4):
            runs = tuple(b - a for a, b in zip((0, *cuts), (*cuts, total), strict=True))
            if _finder_weight(runs) >= FINDER_ROW_WEIGHT:
                continue
            placements = [(c - total // 2, 1)]  # (first module, bit)
            if total % 2 == 0:
                placements += [(c + 1 - total // 2, 1), (c - total // 2, 2)]
            for first, bit in placements:
                if first < 1 or first + total > width - 1:
                    continue
                edges = np.cumsum((first, *runs)).tolist()
                dark = [i for k in (0, 2, 4) for i in range(edges[k], edges[k + 1])]
                free = [i for i in range(width) if not first - 1 <= i <= first + total]
                combos = (np.arange(1 << len(free))[:, None] >> np.arange(len(free))) & 1
                table[sum(1 << i for i in dark) + combos @ (1 << np.array(free, np.int64))] |= bit
    table.flags.writeable = False
    return table


class _DownReads(NamedTuple):
    """For eight packed symbols (bit k: symbol k), uint8 (n, n) each, bit k set at (r, c) where
    symbol k reads: FINDER_COLUMN down through (r, c), the finders' centres left out; the same
    down the boundary left of c, both modules dark (the two columns ORed or ANDed: OpenCV's
    resize blends them and its threshold may take a blended module for either colour);
    FINDER_COLUMN_2X down through (r, c). And the symbols' rows with ROW_REACH light modules
    either side, flat."""

    through: np.ndarray
    on_boundary: np.ndarray
    double: np.ndarray
    padded_rows: np.ndarray


def _down_reads(symbols: np.ndarray) -> _DownReads:
    n = symbols.shape[0]
    columns = np.zeros((n, 3 * n), np.uint8)
    columns[:, :n] = symbols
    np.bitwise_or(symbols[:, :-1], symbols[:, 1:], out=columns[:, n + 1 : 2 * n])
    np.bitwise_and(symbols[:, :-1], symbols[:, 1:], out=columns[:, 2 * n + 1 :])
    single, double = _column_reads(columns, FINDER_COLUMN, FINDER_COLUMN_2X)
    through = single[:, :n]
    through[3, 3] = through[3, n - 4] = through[n - 4, 3] = 0
    on_boundary = (single[:, n : 2 * n] | single[:, 2 * n :]) & columns[:, 2 * n :]
    padded_rows = np.zeros((n, n + 2 * ROW_REACH), np.uint8)
    padded_rows[:, ROW_REACH : ROW_REACH + n] = symbols
    return _DownReads(through, on_boundary, double[:, :n], padded_rows.reshape(-1))


_WINDOW = np.arange(2 * ROW_REACH + 1)
_WINDOW_BITS = 1 << _WINDOW


def _lookalike_hits(reads: _DownReads, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (r n + c) of symbol k's modules that read as a finder's centre: down (or
    down the boundary on the left) and across; down twice as large."""
    n = reads.through.shape[0]
    through, on_boundary = (reads.through >> k) & 1, (reads.on_boundary >> k) & 1
    down = np.flatnonzero(through | on_boundary)
    rows, cols = np.divmod(down, n)
    starts = rows * (n + 2 * ROW_REACH) + cols  # module c - ROW_REACH in the padded row
    windows = (reads.padded_rows[starts[:, None] + _WINDOW] >> k) & 1
    across = _finder_rows()[windows @ _WINDOW_BITS]
    hit = across & (through.reshape(-1)[down] | on_boundary.reshape(-1)[down] << 1) != 0
    return down[hit], np.flatnonzero((reads.double >> k) & 1)


def finder_lookalikes(symbol: np.ndarray) -> list[tuple[int, int]]:
    """(row, column) of each module of `symbol` (bool, True = dark) but the finders' centres
    that reads as a finder pattern's centre: FINDER_COLUMN down through it, or down the boundary
    on its left, and about 1:1:3:1:1 across with the middle there (within ROW_REACH); or
    FINDER_COLUMN_2X down, whatever the row (the module below its middle)."""
    n = symbol.shape[0]
    hits = np.concatenate(_lookalike_hits(_down_reads(symbol.astype(np.uint8)), 0))
    return [divmod(index, n) for index in hits.tolist()]


def encode_best(
    data: bytes, version: int, ec_level: str = "M", *, avoid_lookalikes: bool = True
) -> tuple[np.ndarray, int]:
    """(matrix, mask) for `data` as one byte-mode segment, with the mask whose symbol has the
    lowest penalty score (the first on a tie), passing over those with a finder look-alike
    unless all have one. Without `avoid_lookalikes`: the mask and matrix that the ``qrcode``
    package makes with its default ``mask_pattern=None``. Like its ``best_mask_pattern``, the
    candidates are scored with the format and version info and the dark module left light (it
    draws them in "test" mode), not as they end up in the symbol; look-alikes are looked for in
    the finished symbols."""
    lay = layout(version, ec_level, 0)  # validates; the codeword layout is every mask's
    bits = _codeword_bits(data, version, ec_level, lay)
    base, masks = _candidates(version)
    packed = base.copy()
    packed[lay.positions[: bits.size]] = np.negative(bits)  # 0 or 0xFF: dark in every candidate
    packed ^= masks  # remainder bits are 0, so they keep just the mask
    n = 17 + 4 * version
    scores = penalty_scores(packed.reshape(n, n))
    mask = int(np.argmin(scores))
    symbols = packed.reshape(n, n) | _finished(version, ec_level)
    if avoid_lookalikes:
        reads = _down_reads(symbols)
        for k in np.argsort(scores, kind="stable").tolist():
            if not any(hits.size for hits in _lookalike_hits(reads, k)):
                mask = k
                break
    return (symbols >> mask & 1).view(bool), mask
