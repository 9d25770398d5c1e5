"""A publish writes in proportion to what changed: nothing at all when nothing did, and never an unchanged file.

A small generated mall (tools/bench: real CSV and XLSX files) is published by the real
command; each run is judged by the inode, size and modification time of every output file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.town_support import ROOT, Town, publish, published_town
from tools.bench import city

Snapshot = dict[str, tuple[int, int, int]]


def _snapshot(output: Path) -> Snapshot:
    """(inode, size, mtime) of every file but the run log: a file written again changes at least one."""
    return {p.relative_to(output).as_posix(): (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns)
            for p in output.rglob("*") if p.is_file() and p.name not in ("runs.jsonl", ".lock")}


@pytest.fixture()
def mall(tmp_path: Path) -> Town:
    """The small town, generated and published once."""
    return published_town(tmp_path)


def test_nothing_new_writes_nothing(mall: Town) -> None:
    """With no input changed the run is skipped and no file is written; a touched output is rebuilt."""
    _, datasets, output = mall
    before = _snapshot(output)
    said = publish(datasets, output)
    assert "nothing to do" in said
    assert "1 baru" not in said and "59 berkas diterima" in said  # the last run's counts are repeated
    assert _snapshot(output) == before
    # Someone removes a published file: the outputs no longer match the record, so the run rebuilds.
    (output / "data" / "agendas.csv").unlink()
    rebuilt = publish(datasets, output)
    assert "nothing to do" not in rebuilt
    assert (output / "data" / "agendas.csv").is_file()
    # A skipped run still names the agencies to contact: the same NEEDS ACTION lines as the full run.
    skipped = publish(datasets, output)
    assert "nothing to do" in skipped
    lines = [line for line in rebuilt.splitlines() if line.startswith("PERLU TINDAKAN / NEEDS ACTION")]
    assert [line.split(": ")[-1] for line in lines] == ["pdam, polresta", "bpjs-kesehatan (agendas, decisions, performance)"]
    assert [line for line in skipped.splitlines() if line.startswith("PERLU TINDAKAN")] == lines
    # A changed reference table (an input) is not skipped either.
    agencies = datasets / "reference" / "agencies.csv"
    agencies.write_bytes(agencies.read_bytes().replace(b"Gerai 01", b"Gerai 1A"))
    assert "nothing to do" not in publish(datasets, output)


# The data stage's own code, run in this process (as the stage's child runs it), reporting which
# of the stages' modules it imported.
_STAGE_ALONE = """
import sys
from datetime import datetime
from pathlib import Path
from pipeline.runner import steps
portal = steps.load(Path(sys.argv[1]), Path(sys.argv[2]))
steps._publish(portal, datetime(2026, 11, 30).date(), datetime(2026, 11, 30, 8))
print(sorted(m for m in ("pipeline.publish.run", "openpyxl", "pipeline.store", "frictionless") if m in sys.modules))
"""


def test_nothing_new_imports_none_of_the_stages_code(mall: Town) -> None:
    """With nothing new the data stage decides before importing the stages (openpyxl, the store,
    the tables: about half of such a run's time); with something new it runs them."""
    _, datasets, output = mall

    def stage() -> str:
        done = subprocess.run([sys.executable, "-c", _STAGE_ALONE, str(datasets), str(output)], cwd=ROOT,
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    said = stage()
    assert "nothing to do" in said and "59 berkas diterima" in said
    assert said.splitlines()[-1] == "[]"
    (output / "data" / "agendas.csv").unlink()
    rebuilt = stage()
    assert "nothing to do" not in rebuilt and "'pipeline.publish.run'" in rebuilt.splitlines()[-1]
    assert (output / "data" / "agendas.csv").is_file()


def test_unchanged_files_are_not_rewritten(mall: Town) -> None:
    """After one agency-month arrives, every output file whose bytes did not change keeps its inode and mtime."""
    town, datasets, output = mall
    before = _snapshot(output)
    old_bytes = {rel: (output / rel).read_bytes() for rel in before}
    city.add_late_month(town, datasets)
    publish(datasets, output)
    after = _snapshot(output)
    kept = [rel for rel in before if rel in after and (output / rel).read_bytes() == old_bytes[rel]]
    changed = [rel for rel in after if rel not in before or (output / rel).read_bytes() != old_bytes.get(rel)]
    assert any(rel.startswith("feedback/") for rel in kept)  # other agencies' feedback pages
    assert "data/agencies.csv" in kept and "templates/agendas.xlsx" in kept
    assert "data/performance.csv" in changed
    assert [rel for rel in kept if after[rel] != before[rel]] == []
