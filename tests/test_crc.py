"""CRC-32 of joined bytes from the parts' CRC-32 (core/crc.py): equal to zlib's CRC of the whole."""

from __future__ import annotations

import random
import zlib

import pytest

from pipeline.core.crc import _x8n_loop, crc32_combine, x8nmodp


@pytest.mark.parametrize("length", [0, 1, 2, 7, 255, 256, 257, 65_535, 65_536, 170_003, (1 << 24) - 1, 1 << 24,
                                    (1 << 24) + 3])
def test_the_combined_crc_is_the_crc_of_the_joined_bytes(length: int) -> None:
    rng = random.Random(length)
    first = rng.randbytes(rng.randint(0, 300))
    second = rng.randbytes(length)
    assert crc32_combine(zlib.crc32(first), zlib.crc32(second), length) == zlib.crc32(first + second)


def test_a_crc_combined_chunk_by_chunk_is_the_entry_crc() -> None:
    rng = random.Random(5)
    chunks = [rng.randbytes(rng.randint(0, 5000)) for _ in range(200)]
    crc = 0
    for chunk in chunks:
        crc = crc32_combine(crc, zlib.crc32(chunk), len(chunk))
    assert crc == zlib.crc32(b"".join(chunks))


@pytest.mark.parametrize("length", [0, 1, 8, 1000, 123_456, (1 << 24) - 1, 1 << 24, 50_000_000])
def test_the_tabled_shift_equals_the_shift_bit_by_bit(length: int) -> None:
    assert x8nmodp(length) == _x8n_loop(length)


def test_zlibs_own_combine_is_used_when_found_and_agrees() -> None:
    from pipeline.core import crc
    combine = crc._zlib_combine()
    if combine is None:  # not found on this system: the Python function is the one used
        assert crc.crc32_combine is crc.python_crc32_combine
        return
    assert crc.crc32_combine is not crc.python_crc32_combine
    rng = random.Random(9)
    for _ in range(300):
        a, b, n = rng.getrandbits(32), rng.getrandbits(32), rng.choice([0, 1, rng.getrandbits(12), rng.getrandbits(26)])
        assert combine(a, b, n) == crc.python_crc32_combine(a, b, n)
