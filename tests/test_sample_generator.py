"""The sample generator (tools/sample) gives back the committed datasets/ byte for byte.

The generator is run as ``make sample`` runs it, in a real process, on a copy of the
datasets folder's hand-kept files (portal.toml, schemas/, reference/, .gitattributes);
afterwards the copy must hold exactly the files of datasets/ with exactly their bytes: every
submission, every first version under history/, receipts.csv. A change of data table, code or library that
moves one byte of the sample fails here; commit the regenerated sample with the change on
purpose, after checking why it moved.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
INPUTS = (".gitattributes", "portal.toml", "schemas", "reference")  # kept by hand


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(found: dict[str, bytes], expected: dict[str, bytes]) -> tuple[list[str], list[str], list[str]]:
    """(missing, extra, changed) paths of ``found`` against ``expected``."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    changed = sorted(p for p in set(found) & set(expected) if found[p] != expected[p])
    return missing, extra, changed


def generate(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m tools.sample`` from the repository root, as ``make sample`` runs it."""
    return subprocess.run([sys.executable, "-m", "tools.sample", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def inputs_only(target: Path) -> Path:
    """A datasets folder holding only the hand-kept inputs of datasets/."""
    target.mkdir()
    for name in INPUTS:
        source = DATASETS / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def committed() -> dict[str, bytes]:
    """The committed datasets/ folder."""
    return tree(DATASETS)


def test_the_committed_sample_holds_what_the_generator_writes(committed: dict[str, bytes]) -> None:
    # Written by hand: the counts the sample is documented with (README: 1004 files, four of
    # them first sent with a mistake), so that an empty folder cannot pass the comparison below.
    assert sum(1 for p in committed if p.startswith("submissions/")) == 1004
    assert sum(1 for p in committed if p.startswith("history/")) == 4
    assert "receipts.csv" in committed


def test_regenerating_the_sample_gives_the_committed_bytes(tmp_path: Path, committed: dict[str, bytes]) -> None:
    datasets = inputs_only(tmp_path / "datasets")
    done = generate("--datasets", str(datasets))
    assert done.returncode == 0, done.stderr[-3000:]
    missing, extra, changed = differences(tree(datasets), committed)
    assert (missing, extra, changed) == ([], [], []), (
        f"{len(missing)} missing, {len(extra)} extra, {len(changed)} changed; first: "
        f"{(missing + extra + changed)[:10]}")
    assert "files written: 1004" in done.stdout


def test_regenerating_in_place_replaces_stale_and_altered_files(tmp_path: Path, committed: dict[str, bytes]) -> None:
    datasets = tmp_path / "datasets"
    shutil.copytree(DATASETS, datasets)
    stale = datasets / "submissions" / "2026-10" / "dpmptsp" / "notes.txt"
    stale.write_text("left over from an older sample\n", encoding="utf-8")
    altered = datasets / "submissions" / "2026-09" / "taspen" / "performance.xlsx"
    altered.write_bytes(b"not a workbook")
    (datasets / "history" / "2099-01").mkdir()
    (datasets / "receipts.csv").write_text("file,sha256,received_at\n", encoding="utf-8")
    done = generate("--datasets", str(datasets), "--quiet")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == ""
    assert differences(tree(datasets), committed) == ([], [], [])
    assert not (datasets / "history" / "2099-01").exists()
    assert sorted(p.name for p in datasets.iterdir()) == sorted(p.name for p in DATASETS.iterdir())


def test_a_broken_data_table_is_a_configuration_error_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(ROOT / "tools" / "sample" / "source", source)
    intake = source / "intake.toml"
    intake.write_text(intake.read_text(encoding="utf-8").replace("received_until =", "received_by ="),
                      encoding="utf-8")
    datasets = inputs_only(tmp_path / "datasets")
    done = generate("--datasets", str(datasets), "--source", str(source))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "intake.toml" in done.stderr and "received_until" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in datasets.iterdir()) == sorted(INPUTS)


def test_a_service_without_a_profile_is_named_before_anything_is_built(tmp_path: Path) -> None:
    datasets = inputs_only(tmp_path / "datasets")
    services = datasets / "reference" / "services.csv"
    with services.open("a", encoding="utf-8", newline="") as handle:
        handle.write("dpmptsp-baru,dpmptsp,Layanan baru,New service,1 hari,0,KTP-el,Peraturan Wali Kota Jambi\n")
    done = generate("--datasets", str(datasets))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "profiles.csv: no row for service dpmptsp-baru" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (datasets / "submissions").exists()
