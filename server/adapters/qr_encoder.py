"""QR code module matrices (ISO/IEC 18004) for one byte-mode segment at a given version, error
correction level and mask pattern.

Everything that depends only on (version, level, mask) is built once and cached as a layout: the
function patterns with format and version info drawn, the data modules' positions in placement
order, the mask at those positions and the codeword interleaving order. A code then costs its
data codewords, a table-driven Reed-Solomon encoder and one numpy scatter. The block structure
and alignment-pattern positions are the ``qrcode`` package's public tables (a pinned
dependency); tests/adapters/test_qr_encoder.py checks the matrices module for module against it.
"""

from __future__ import annotations

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
    """(dark, data positions): finder, timing and alignment patterns and version info drawn (the
    format areas and dark module are left to the layout); the data modules' flat indices in
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
    if version >= 7:  # bit k of 18 at (k // 3, n - 11 + k % 3) and its transpose
        block = np.array([version_bits(version) >> k & 1 for k in range(18)], bool).reshape(6, 3)
        dark[:6, n - 11 : n - 8], dark[n - 11 : n - 8, :6] = block, block.T
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


def encode(data: bytes, version: int, ec_level: str = "M", mask: int = 2) -> np.ndarray:
    """The module matrix (bool, True = dark, no quiet zone) of `data` as one byte-mode segment."""
    lay = layout(version, ec_level, mask)
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
    codewords = np.frombuffer(stream + b"".join(ecc), np.uint8)[lay.order]
    bits = lay.mask_bits.copy()  # remainder bits are 0, so they keep just the mask
    bits[: 8 * len(codewords)] ^= np.unpackbits(codewords)
    matrix = lay.base.copy()
    matrix.reshape(-1)[lay.positions] = bits.view(bool)
    return matrix
