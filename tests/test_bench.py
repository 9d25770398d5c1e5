"""The benchmark's code on a small town (``make bench`` runs the same code on the large city)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tools.bench.measure import run

ROOT = Path(__file__).resolve().parents[1]
STEPS = ["generate", "baseline", "validate", "publish-cold", "publish-nothing-new", "publish-new-month",
         "publish-late-file", "site-build"]


def test_tree_peak_adds_up_the_processes(tmp_path: Path) -> None:
    """A 150 MB process running a 150 MB child peaks at 300 MB together, more than either alone."""
    child = "b = bytearray(150 * 2**20); import time; time.sleep(1.0)"
    parent = f"import subprocess, sys; b = bytearray(150 * 2**20); subprocess.run([sys.executable, '-c', {child!r}])"
    measured = run([sys.executable, "-c", parent], tmp_path)
    assert measured.exit_code == 0
    assert measured.peak_bytes >= 300 * 2**20


def test_small_town_runs_every_step(tmp_path: Path) -> None:
    """Every row is measured, the JSON has them, and a publish with nothing new writes no file."""
    done = subprocess.run([sys.executable, "-m", "tools.bench", "--scale", "town", "--json-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    document = json.loads((tmp_path / "town.json").read_text())
    steps = {s["name"]: s for s in document["steps"]}
    assert list(steps) == STEPS
    assert steps["validate"]["exit_code"] == 1  # the town's mistakes are rejected
    for name in STEPS[1:]:
        assert steps[name]["seconds"] > 0 and steps[name]["peak_mb"] > 10 and steps[name]["cpu_seconds"] > 0, name
    assert steps["publish-cold"]["files_written"] > 100
    assert steps["publish-nothing-new"]["files_written"] == 0
    assert steps["publish-new-month"]["files_written"] > 0
    assert steps["site-build"]["extra"]["pages"] > 100
    assert document["ratios"]["publish-cold"]["cold"] == 1.0
    assert "| publish-nothing-new |" in done.stdout
