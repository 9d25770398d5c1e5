"""A publish of the real sample data (datasets/): cold, then with nothing new."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.publish_support import ROOT, tree_bytes

SAMPLE = ROOT / "datasets"
pytestmark = pytest.mark.skipif(not any((SAMPLE / "submissions").glob("*/*/*")),
                                reason="the sample submissions are not in datasets/ yet")


def _publish(output: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python -m pipeline publish`` as make publish runs it, without site and push."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--no-site", "--no-push", "--as-of", "2026-11-28",
         "--datasets", str(SAMPLE), "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    return done, time.perf_counter() - start


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One cold publish into a fresh output and one more with nothing new."""
    output = tmp_path_factory.mktemp("sample") / "output"
    cold, cold_s = _publish(output)
    first = tree_bytes(output)
    warm, warm_s = _publish(output)
    print(f"\nsample publish: cold {cold_s:.2f} s, no change {warm_s:.2f} s")
    return {"output": output, "cold": cold, "warm": warm, "first": first, "second": tree_bytes(output)}


def _csv(sample: dict[str, Any], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(sample["first"][f"data/{name}.csv"].decode("utf-8"))))


def test_both_runs_succeed_and_say_what_they_did(sample: dict[str, Any]) -> None:
    for run in (sample["cold"], sample["warm"]):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Terbit / Published:" in run.stdout
    assert " 0 baru / new" in sample["warm"].stdout and " 0 baru / new" not in sample["cold"].stdout


def test_nothing_new_changes_no_byte_under_output(sample: dict[str, Any]) -> None:
    assert sample["second"] == sample["first"]


def test_sample_datapackage_passes_frictionless_validate(sample: dict[str, Any]) -> None:
    cli = Path(sys.executable).with_name("frictionless")
    done = subprocess.run([str(cli), "validate", "--json", str(sample["output"] / "data" / "datapackage.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and json.loads(done.stdout)["valid"], done.stdout[-3000:]


def test_submissions_agree_with_the_validation_report(sample: dict[str, Any]) -> None:
    reports = {r["file"]: r for r in json.loads(sample["first"]["reports/validation.json"])}
    rows = _csv(sample, "submissions")
    statuses = {r["status"] for r in rows}
    assert {"accepted", "rejected", "missing"} <= statuses
    assert any(r["on_time"] == "false" for r in rows) and any(r["on_time"] == "true" for r in rows)
    for r in rows:
        if r["status"] == "missing":
            continue
        matches = [rep for f, rep in reports.items()
                   if f.startswith(f"submissions/{r['period']}/{r['agency_code']}/{r['table']}.")]
        assert matches and matches[0]["status"] == r["status"], r
        assert f"feedback/{r['period']}/{r['agency_code']}/{r['table']}.html" in sample["first"]


def test_ikm_grades_follow_the_bands(sample: dict[str, Any]) -> None:
    from decimal import Decimal

    from pipeline.ikm import grade

    graded = [r for r in _csv(sample, "performance") if r["ikm"]]
    assert graded and all(grade(Decimal(r["ikm"])) == r["ikm_grade"] for r in graded)
    assert {"A", "B"} <= {r["ikm_grade"] for r in graded}


def test_decisions_include_overdue_ones_and_their_history(sample: dict[str, Any]) -> None:
    decisions = _csv(sample, "decisions")
    history = _csv(sample, "decision_history")
    assert any(d["overdue"] == "true" for d in decisions)
    assert len(history) >= len(decisions)
    keys = {(h["agency_code"], h["decision_id"]) for h in history}
    assert {(d["agency_code"], d["decision_id"]) for d in decisions} == keys
