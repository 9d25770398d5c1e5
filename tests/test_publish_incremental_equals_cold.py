"""A publish after one new agency-month, then after one late file, leaves the data and the feedback
pages exactly as a publish from scratch would (whole-tree digest).

"From scratch" keeps the store of received versions (the late file is revision 2 because the
store holds the rejected revision 1: that history is an input) and nothing else
(``town_support.copy_received``): no published folder, no kept judgement, no record of the last
run's inputs, no page or template to read back, no kept indicator rows, table parts, row indexes,
listings or digests.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tests.town_support import copy_received, publish
from tools.bench import city
from tools.bench.shape import shape_for

FOLDERS = ("data", "feedback", "templates", "reports")


def tree(output: Path, folders: tuple[str, ...] = FOLDERS) -> dict[str, str]:
    """SHA-256 of every file under the compared folders, by relative path."""
    return {p.relative_to(output).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted((output / folder).rglob("*")) if p.is_file()}


def from_scratch(datasets: Path, output: Path, where: Path, site: bool = False,
                 folders: tuple[str, ...] = FOLDERS) -> dict[str, str]:
    """The tree a publish leaves when given the same datasets and store, and nothing it built before (``site``:
    the site built too)."""
    shutil.copytree(datasets, where / "datasets")
    copy_received(output, where / "output")
    publish(where / "datasets", where / "output", site)
    return tree(where / "output", folders)


def test_incremental_publishes_equal_publishes_from_scratch(tmp_path: Path) -> None:
    """New month, then late file: each incremental tree equals the tree built from scratch, file for file."""
    town = city.build(shape_for("town"))
    datasets, output = tmp_path / "datasets", tmp_path / "output"
    city.generate(town, datasets)
    publish(datasets, output)
    before = tree(output)
    city.add_late_month(town, datasets)
    publish(datasets, output)
    after_month = tree(output)
    assert after_month != before  # the new month changed the data
    assert after_month == from_scratch(datasets, output, tmp_path / "scratch-month")
    city.correct_old_file(town, datasets)
    publish(datasets, output)
    after_late = tree(output)
    assert after_late != after_month
    assert after_late == from_scratch(datasets, output, tmp_path / "scratch-late")
