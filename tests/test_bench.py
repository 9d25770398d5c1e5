"""The benchmark's code on a small town (``make bench`` runs the same code on the large city)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from tools.bench.measure import run, same_memory
from tools.bench.run import site_pages

ROOT = Path(__file__).resolve().parents[1]
STEPS = ["generate", "baseline", "validate", "publish-cold", "publish-nothing-new", "publish-new-month",
         "publish-late-file", "site-build"]
COMMANDS = {"validate": "validate", "site-build": "build"}  # the command each step runs (else publish)


def test_tree_peak_adds_up_the_processes(tmp_path: Path) -> None:
    """A 150 MB process running a 150 MB child peaks at 300 MB together, more than either alone."""
    child = "b = bytearray(150 * 2**20); import time; time.sleep(1.0)"
    parent = f"import subprocess, sys; b = bytearray(150 * 2**20); subprocess.run([sys.executable, '-c', {child!r}])"
    measured = run([sys.executable, "-c", parent], tmp_path)
    assert measured.exit_code == 0
    assert measured.peak_bytes >= 300 * 2**20


def test_a_short_step_after_a_larger_one_is_never_below_its_own_peak(tmp_path: Path) -> None:
    """A one-process step that ends between two samples still counts its 100 MB (wait4's ru_maxrss)."""
    assert run([sys.executable, "-c", "b = b'x' * (200 * 2**20)"], tmp_path).exit_code == 0
    measured = run([sys.executable, "-c", "b = b'x' * (100 * 2**20)"], tmp_path)
    assert measured.exit_code == 0 and measured.cpu_seconds > 0
    assert measured.peak_bytes >= 100 * 2**20  # RUSAGE_CHILDREN kept the 200 MB step's mark: no floor


# A process started with CLONE_VM and no exec (as a vfork child is until its exec) running
# libc's sleep: it shares all 200 MB of its parent's memory.
SHARED_MEMORY_CHILD = r"""
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
big = bytearray(200 * 2**20)
stack = ctypes.create_string_buffer(1 << 16)
top = ctypes.c_void_p(ctypes.addressof(stack) + (1 << 16) - 64)
sleep = ctypes.cast(libc.sleep, ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p))
pid = libc.clone(sleep, top, 0x100 | 17, ctypes.c_void_p(2))  # CLONE_VM, SIGCHLD
assert pid > 0, ctypes.get_errno()
time.sleep(1.5)
os.waitpid(pid, 0)
"""


@pytest.mark.skipif(platform.machine() not in ("x86_64", "aarch64"), reason="kcmp's number known for these only")
def test_a_child_sharing_its_parents_memory_is_counted_once(tmp_path: Path) -> None:
    assert same_memory(os.getpid(), os.getpid())
    measured = run([sys.executable, "-c", SHARED_MEMORY_CHILD], tmp_path)
    assert measured.exit_code == 0, measured.output
    assert 200 * 2**20 <= measured.peak_bytes < 300 * 2**20  # counted twice it was 418 MB


# A parent that fills 200 MB and then forks: the child writes nothing, so every page stays shared.
FORKED_CHILD = r"""
import os, time
big = bytearray(os.urandom(1024)) * (200 * 1024)
pid = os.fork()
time.sleep(1.5)
if pid:
    os.waitpid(pid, 0)
"""


def test_a_forked_child_s_shared_pages_are_counted_once(tmp_path: Path) -> None:
    """PSS, not RSS: a copy-on-write page both processes map takes memory once and counts once."""
    measured = run([sys.executable, "-c", FORKED_CHILD], tmp_path)
    assert measured.exit_code == 0, measured.output
    assert 200 * 2**20 <= measured.peak_bytes < 300 * 2**20
    assert measured.peak_rss_bytes >= 400 * 2**20  # the RSS sum counts the shared 200 MB in both


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
    # Each timed goal's CPU floor: no wall time is shorter than the tree's CPU time spread over every core.
    timed = [g for g in document["goals"] if "ratio" in g]
    assert len(timed) == 5 and document["cores"] >= 1
    for goal in timed:
        assert 0 < goal["cpu_floor"] <= goal["ratio"] * 1.02 + 0.001, goal  # (rounding, and the clocks' ticks)
    assert steps["publish-nothing-new"]["files_written"] == 0
    assert steps["publish-new-month"]["files_written"] > 0
    assert steps["site-build"]["extra"]["pages"] > 100
    # Every page measured against the 30 KB gzipped budget; the town's pages are well inside it.
    assert steps["site-build"]["extra"]["budget_kb"] == 30
    assert steps["site-build"]["extra"]["pages_over_budget"] == 0 and steps["site-build"]["extra"]["over_budget"] == {}
    assert 0 < steps["site-build"]["extra"]["largest_page_gzip_kb"] <= 30
    assert {"goal": "every page within 30 KB gzipped", "pages_over_budget": 0, "met": True} in document["goals"]
    assert document["ratios"]["publish-cold"]["cold"] == 1.0
    assert "| publish-nothing-new |" in done.stdout
    # Where each of our commands' time went, from its launch: the stages its processes recorded (timeline.py).
    assert steps["baseline"]["timeline"] == []  # frictionless alone: none of our code
    for name in STEPS[2:]:
        stages = {(row["process"], row["stage"]) for row in steps[name]["timeline"]}
        assert ("command", f"command: {COMMANDS.get(name, 'publish')}") in stages, name
        assert all(0 <= row["from"] <= row["to"] <= steps[name]["seconds"] for row in steps[name]["timeline"]), name
    cold = {(row["process"], row["stage"]) for row in steps["publish-cold"]["timeline"]}
    assert {("publish", "validation"), ("publish", "tables"), ("publish", "data files"), ("site", "pages (id)"),
            ("site (en)", "pages (en)")} <= cold
    assert ("publish", "tables") not in {(r["process"], r["stage"]) for r in steps["publish-nothing-new"]["timeline"]}
    assert "Where the time went / Ke mana waktunya: publish-new-month" in done.stdout


def test_site_step_names_the_pages_over_budget(tmp_path: Path) -> None:
    """A page of 40 KB that gzip cannot shrink is over the 30 KB budget; a small one is not."""
    (tmp_path / "instansi" / "besar").mkdir(parents=True)
    (tmp_path / "instansi" / "besar" / "index.html").write_bytes(os.urandom(40 * 1024))
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>" + "<p>kecil</p>" * 2000, encoding="utf-8")
    extra = site_pages(tmp_path, 2.0)
    assert extra["pages"] == 2 and extra["pages_per_second"] == 1.0
    assert extra["largest_page"] == "instansi/besar/index.html" and extra["largest_page_gzip_kb"] > 30
    assert extra["pages_over_budget"] == 1 and list(extra["over_budget"]) == ["instansi/besar/index.html"]
