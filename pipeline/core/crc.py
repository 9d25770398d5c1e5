"""CRC-32 (zlib's) of bytes joined, from the CRC-32 of each part: ``crc32_combine``.

zlib has ``crc32_combine`` but Python's ``zlib`` module does not offer it. A zip entry whose
chunks are copied as they were deflated (``deflate_chunks.py``) is never read again, so its
CRC-32 is combined from the chunks' kept ones. The CRC register is a polynomial over GF(2):
the CRC of ``a + b`` is the CRC of ``a`` times x^(8 len(b)) modulo the CRC polynomial, added
to the CRC of ``b`` (the pre- and post-conditioning cancel out). This is zlib's own method
(crc32.c since 1.2.12: ``multmodp`` and ``x2nmodp``), with the shifts by each byte of a length
tabled: three multiplications a call (about 15 µs).
"""

from __future__ import annotations

import ctypes
import zlib
from collections.abc import Callable
from typing import cast

POLY = 0xEDB88320  # the CRC-32 polynomial, reflected (bit 31 is x^0)
_ONE = 1 << 31  # the polynomial 1 in that reflected order


def multmodp(a: int, b: int) -> int:
    """``a`` times ``b`` modulo the CRC polynomial (both 32-bit, reflected)."""
    m = _ONE
    p = 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                break
        m >>= 1
        b = (b >> 1) ^ POLY if b & 1 else b >> 1
    return p


def _powers() -> list[int]:
    """x^(2^k) modulo the CRC polynomial for k = 0..31."""
    table = [_ONE >> 1]  # x^1
    for _ in range(31):
        table.append(multmodp(table[-1], table[-1]))
    return table


_X2N = _powers()


def _shifts(step: int) -> list[int]:
    """x^(8 b 256^step) modulo the CRC polynomial for b = 0..255."""
    unit = _x8n_loop(256 ** step)
    table = [_ONE]
    for _ in range(255):
        table.append(multmodp(table[-1], unit))
    return table


def _x8n_loop(n: int) -> int:
    """x^(8 n) modulo the CRC polynomial, one multiplication a set bit of ``n``."""
    p = _ONE
    k = 3  # 8 n = n * 2^3
    while n:
        if n & 1:
            p = multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return p


_BYTES = [_shifts(step) for step in range(3)]  # by the bytes of n: 768 factors, made once (a few ms)


def x8nmodp(n: int) -> int:
    """x^(8 n) modulo the CRC polynomial: the factor that shifts a CRC past ``n`` bytes (a chunk of
    up to 16 MiB: two multiplications of factors looked up by the bytes of ``n``)."""
    if n >> 24:
        return _x8n_loop(n)
    low, middle, high = _BYTES
    return multmodp(multmodp(low[n & 255], middle[(n >> 8) & 255]), high[n >> 16])


def python_crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of ``a + b`` from ``crc1`` (of ``a``), ``crc2`` (of ``b``) and ``length2`` (``len(b)``)."""
    return multmodp(x8nmodp(length2), crc1) ^ crc2


def _zlib_combine() -> Callable[[int, int, int], int] | None:
    """zlib's own ``crc32_combine`` (in C), from the zlib that Python's ``zlib`` module is linked with, when it
    can be found; else None (then ``python_crc32_combine``, the same function in Python, 50 times slower)."""
    for name in (getattr(zlib, "__file__", None), "libz.so.1", "libz.dylib"):
        if name is None:
            continue
        try:
            combine = ctypes.CDLL(name).crc32_combine
        except (OSError, AttributeError):
            continue
        combine.restype = ctypes.c_ulong
        combine.argtypes = [ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long]  # z_off_t: a long on 64-bit Unix
        # Used only when it agrees with the function above on a few values (a 32-bit long, another library).
        if ctypes.sizeof(ctypes.c_long) == 8 and all(
                combine(a, b, n) == python_crc32_combine(a, b, n) for a, b, n in _PROBES):
            return cast(Callable[[int, int, int], int], combine)
    return None


_PROBES = ((0, 0, 0), (zlib.crc32(b"a"), zlib.crc32(b"bc"), 2), (0xFFFFFFFF, 0x12345678, 170_003),
           (0x89ABCDEF, 0xFEDCBA98, (1 << 24) + 3))
# The CRC-32 of ``a + b`` from the CRC-32 of each and ``len(b)``: a city's zips combine thousands of chunks a run.
crc32_combine: Callable[[int, int, int], int] = _zlib_combine() or python_crc32_combine
