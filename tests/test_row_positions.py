"""Kept rows are found by their digests compared in step with those published last (row_reuse.positions):
the files stay those of a cold write, and a record is never given the bytes of another."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from pipeline.publish import row_reuse
from pipeline.publish.row_reuse import DIGEST, positions
from tests.test_row_reuse import cold, publish, row


def digests(count: int, seed: str = "") -> list[bytes]:
    """``count`` distinct digests (``seed`` keeps two sets apart)."""
    return [hashlib.blake2b(f"{seed}{n}".encode(), digest_size=DIGEST).digest() for n in range(count)]


def reference(new: list[bytes], old: list[bytes]) -> set[int]:
    """The records whose digest was published (every one of them is taken back when found)."""
    published = set(old)
    return {i for i, d in enumerate(new) if d in published}


def check(new: list[bytes], old: list[bytes]) -> list[int]:
    """``positions`` of ``new`` among ``old``: each found record at a position holding its digest, each other
    marked new with its own position."""
    asked: list[int] = []

    def where() -> dict[bytes, int]:
        asked.append(1)
        return {d: n for n, d in enumerate(old)}

    found = positions(new, b"".join(old), where)
    assert len(found) == len(new)
    for i, at in enumerate(found):
        assert at == row_reuse._NEW + i or (0 <= at < len(old) and old[at] == new[i])
    check.asked = bool(asked)  # type: ignore[attr-defined]
    return found


OLD = digests(20_000)
EDITS: dict[str, list[bytes]] = {
    "same": OLD,
    "inserted here and there": [d for n, d in enumerate(OLD) for d in ((digests(1, f"i{n}")[0], d) if n % 97 == 5
                                                                       else (d,))],
    "changed here and there": [digests(1, f"c{n}")[0] if n % 97 == 7 else d for n, d in enumerate(OLD)],
    "deleted here and there": [d for n, d in enumerate(OLD) if n % 41 != 3],
    "two swapped": [*OLD[:500], OLD[501], OLD[500], *OLD[502:]],
    "a block moved far back": [*OLD[:100], *OLD[15_000:16_000], *OLD[100:15_000], *OLD[16_000:]],
    "a long stretch deleted": [*OLD[:1000], *OLD[9000:]],
    "appended": [*OLD, *digests(3000, "a")],
    "prepended": [*digests(3000, "p"), *OLD],
    "empty": [],
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_each_record_is_found_where_its_digest_was_published_or_marked_new(edit: str) -> None:
    new = EDITS[edit]
    found = check(new, OLD)
    kept = {i for i, at in enumerate(found) if at < row_reuse._NEW}
    assert kept <= reference(new, OLD)
    if edit in ("a block moved far back", "a long stretch deleted"):
        # Rows moved far (past ``_AHEAD``) are encoded again until too many are, then found by the dict.
        assert len(reference(new, OLD) - kept) <= row_reuse._STRAYS
    else:
        assert kept == reference(new, OLD)
    if edit in ("same", "two swapped", "inserted here and there", "changed here and there", "empty"):
        assert not check.asked  # type: ignore[attr-defined]  # no dict of every digest was made


def test_records_out_of_order_are_found_by_a_dict_of_every_digest() -> None:
    new = random.Random(4).sample(OLD, len(OLD))
    found = check(new, OLD)
    # The first records out of step are encoded again, until too many are: the rest are found by the dict.
    assert check.asked and sum(at >= row_reuse._NEW for at in found) <= row_reuse._STRAYS + 1  # type: ignore[attr-defined]


def test_duplicate_records_are_each_taken_back_and_the_files_equal_a_cold_write(tmp_path: Path) -> None:
    """Rows with the same values (the same digest) published last: any of their positions holds their bytes."""
    first = [row("a", 1, "1"), row("b", 2, "2"), row("b", 2, "2"), row("c", 3, "3"), row("b", 2, "2")]
    second = [row("z", 9, "9"), *first[:3], row("y", 8, "8"), *first[3:]]
    publish(tmp_path, first)
    files, indexes = publish(tmp_path, second)
    assert indexes.reused == {"t": 5} and files == cold(second)
    files, indexes = publish(tmp_path, second)  # unchanged: every record at its own position
    assert indexes.reused == {"t": 7} and files == cold(second)
