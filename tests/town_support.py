"""A small generated mall (tools/bench's "town": real CSV and XLSX files with clerks' mistakes), published for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tools.bench import city
from tools.bench.shape import shape_for

ROOT = Path(__file__).resolve().parents[1]
Town = tuple[city.Mall, Path, Path]  # the mall, its datasets folder, its output folder
# What the store keeps of what arrived (the received bytes, their index and typed rows, their reports, the
# changelog of what was published when): a publish from scratch is given these. Everything else in the store is
# kept to reuse the last run's work (judgements, row indexes, table parts, memos, listings, digests).
RECEIVED = ("files", "index.json", "rows", "reports", "changelog.json")


def publish(datasets: Path, output: Path, site: bool = False) -> str:
    """``python -m pipeline publish`` without the push (and without the site unless ``site``), fixed dates; its
    standard output."""
    done = subprocess.run([sys.executable, "-m", "pipeline", "publish", "--datasets", str(datasets), "--output",
                           str(output), *([] if site else ["--no-site"]), "--no-push", "--as-of", "2026-11-30",
                           "--now", "2026-11-30T08:00:00"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def published_town(tmp_path: Path) -> Town:
    """The town generated under ``tmp_path`` and published once."""
    town = city.build(shape_for("town"))
    datasets, output = tmp_path / "datasets", tmp_path / "output"
    city.generate(town, datasets)
    publish(datasets, output)
    return town, datasets, output


def copy_received(output: Path, into: Path) -> None:
    """Copy the store of ``output`` into the output folder ``into`` with what arrived only (``RECEIVED``)."""
    store = into / "store"
    store.mkdir(parents=True, exist_ok=True)
    for name in RECEIVED:
        source = output / "store" / name
        if source.is_dir():
            shutil.copytree(source, store / name)
        elif source.exists():
            shutil.copy2(source, store / name)
