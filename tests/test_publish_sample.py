"""A publish of the real sample data (datasets/): cold, then with nothing new.

The expected values are the sample's own facts, read here from its input files with the csv
module (never with the pipeline's code) or written out by hand, with the rules restated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from pipeline.publish.reuse import GROUP
from tests.publish_support import ROOT, tree_bytes
from tests.sample_support import PublishedSample

SAMPLE = ROOT / "datasets"
AS_OF = date(2026, 11, 28)
JAMBI = timezone(timedelta(hours=7))  # Asia/Jakarta has no daylight saving time
DEADLINE_DAY = 10  # datasets/portal.toml


def _publish(output: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python -m pipeline publish`` as make publish runs it, without site and push (the site is left as it is)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "publish", "--no-site", "--no-push", "--as-of", "2026-11-28",
         "--datasets", str(SAMPLE), "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    return done, time.perf_counter() - start


@pytest.fixture(scope="module")
def sample(published_sample: PublishedSample, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The cold publish (the session's, tests/conftest.py) and, on a copy of it, one more with nothing new."""
    output = tmp_path_factory.mktemp("sample-again") / "output"
    shutil.copytree(published_sample.output, output, symlinks=True)
    warm, warm_s = _publish(output)
    print(f"\nsample publish: cold {published_sample.seconds:.2f} s (site included), no change {warm_s:.2f} s")
    return {"output": published_sample.output, "cold": published_sample.run, "warm": warm,
            "first": tree_bytes(published_sample.output), "second": tree_bytes(output)}


def _csv(sample: dict[str, Any], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(sample["first"][f"data/{name}.csv"].decode("utf-8"))))


def test_both_runs_succeed_and_say_what_they_did(sample: dict[str, Any]) -> None:
    for run in (sample["cold"], sample["warm"]):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Terbit / Published:" in run.stdout
    assert " 0 baru / new" in sample["warm"].stdout and " 0 baru / new" not in sample["cold"].stdout


def test_nothing_new_changes_no_byte_under_output(sample: dict[str, Any]) -> None:
    # Except the run log, which gains the second run's line (appended: the first line unchanged).
    first, second = dict(sample["first"]), dict(sample["second"])
    log1, log2 = first.pop("runs.jsonl"), second.pop("runs.jsonl")
    # The skip record holds a digest of the output files' inodes: the copy has new ones, so the
    # second run is not skipped and records its own; what it read and counted is the same. (So does
    # its digest of the inputs' stat, when the run could keep one: the copy's are new too.)
    rec1, rec2 = (json.loads(t.pop("store/publish-inputs.json")) for t in (first, second))
    stats = ("outputs", "inputs_stat")
    assert {k: v for k, v in rec2.items() if k not in stats} == {k: v for k, v in rec1.items() if k not in stats}
    # The output folders' listings, kept with each folder's stat (core/listings.py): the copy's folders are others.
    lists1, lists2 = (json.loads(t.pop("store/output-listings.json"))["plans"] for t in (first, second))
    assert {k: [f[0::2] for f in v] for k, v in lists2.items()} == {k: [f[0::2] for f in v] for k, v in lists1.items()}
    # So are the datasets' folders' listings (core/input_listings.py), when the copy's run kept any: same names.
    inputs1, inputs2 = (json.loads(t.pop("store/input-listings.json", b'{"folders": {}}'))["folders"]
                        for t in (first, second))
    assert {k: v[5] for k, v in inputs2.items() if k in inputs1} == {k: v[5] for k, v in inputs1.items() if k in inputs2}
    # The records that keep a file's stat (its inode and times) next to its digest, so a later run
    # need not read it: the copy's files have new stats, which the second run keeps. Their digests
    # must be the same, and each must be the digest of the bytes it names.
    # (A record holds a file's stat only once the file is old enough: which ones the cold run could
    # keep depends on the clock, so only the digests both runs keep are compared.)
    # The agencies' feedback keys a run leaves for after it while their reports are too recent: which depends on
    # the clock too (publish/feedback_pending.py).
    for t in (first, second):
        t.pop("store/feedback-pending.json", None)
    for name in STAT_RECORDS:
        digests1, digests2 = (_digests(name, t.pop(name, None)) for t in (first, second))
        assert {k: v for k, v in digests2.items() if k in digests1} == {k: v for k, v in digests1.items() if k in digests2}
        if name == FILES_RECORD:
            for file, sha in digests2.items():
                assert hashlib.sha256(second[f"data/{file}"]).hexdigest() == sha, file
    assert second == first
    assert log2.startswith(log1) and log2[len(log1):].count(b"\n") == 1


FILES_RECORD = "store/published-rows/files.json"  # data file -> [SHA-256, stat]
# The digest caches of reused folders (core/treehash.DigestCache) are too: entries named by the
# SHA-256 of each file's path, which in the copy is another path.
DIGEST_CACHES = ("store/feedback-digests.json", "store/templates-digests.json")
STAT_RECORDS = ("store/feedback-inputs.json", "store/templates-inputs.json", FILES_RECORD, *DIGEST_CACHES)


def _digests(name: str, data: bytes | None) -> dict[str, str]:
    """A stat-keeping record's digests by file, without the stats (an absent record: none kept)."""
    if data is None:
        return {}
    record = json.loads(data)
    if name == FILES_RECORD:
        return {file: sha for file, (sha, _stat) in record.items()}
    if name in DIGEST_CACHES:
        return {entry: str(kept[-1]) for entry, kept in record["files"].items()}  # [stat..., SHA-256]
    # "<inputs' digest> <bytes' digest>[ <stat>]"; an agency's key ("@group <agency>", feedback_keys.py) is a digest
    # over its reports' stats, which the copy changes: not a file's digest, so not compared.
    return {rel: " ".join(value.split(" ")[:2]) for rel, value in record.items() if not rel.startswith(GROUP)}


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


def _input_rows(path: Path) -> list[dict[str, str]]:
    """A reference or submitted CSV file of the sample as written (UTF-8, comma), by the csv module."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_reference_tables_are_published_whole(sample: dict[str, Any]) -> None:
    agencies = _input_rows(SAMPLE / "reference" / "agencies.csv")
    services = _input_rows(SAMPLE / "reference" / "services.csv")
    assert (len(agencies), len(services)) == (26, 61)  # the sample's size, as README.md gives it
    assert [a["agency_code"] for a in _csv(sample, "agencies")] == sorted(a["agency_code"] for a in agencies)
    assert [s["service_code"] for s in _csv(sample, "services")] == sorted(s["service_code"] for s in services)


def _plain_performance_files() -> dict[tuple[str, str], list[dict[str, str]]]:
    """The sample's performance files written as UTF-8 with commas (most of them), by (period, agency)."""
    found = {}
    for path in sorted((SAMPLE / "submissions").glob("*/*/performance.csv")):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            continue  # the Windows-1252 file
        if text.startswith("period,"):  # not the semicolon ones
            found[(path.parent.parent.name, path.parent.name)] = list(csv.DictReader(io.StringIO(text)))
    return found


def test_published_figures_are_the_submitted_ones(sample: dict[str, Any]) -> None:
    submitted = _plain_performance_files()
    published = {(r["period"], r["agency_code"]): [] for r in _csv(sample, "performance")}
    for r in _csv(sample, "performance"):
        published[(r["period"], r["agency_code"])].append(r)
    compared = 0
    for key, rows in published.items():
        if key not in submitted:
            continue  # a semicolon, Windows-1252 or XLSX file, or one whose correction is in history/
        sent = {r["service_code"]: r for r in submitted[key]}
        assert sorted(r["service_code"] for r in rows) == sorted(sent), key
        for row in rows:
            source = sent[row["service_code"]]
            for name in ("applications_received", "applications_completed", "complaints_received"):
                assert int(row[name]) == int(source[name]), (key, row["service_code"], name)
            assert [Decimal(row[f"u{i}"]) for i in range(1, 10) if row[f"u{i}"]] == [
                Decimal(source[f"u{i}"]) for i in range(1, 10) if source[f"u{i}"]]
            compared += 1
    total = sum(len(rows) for rows in published.values())
    assert compared >= 0.9 * total  # every row but those of the few files in other formats


def _band(value: Decimal) -> str:
    """The IKM grade (PermenPANRB 14/2017): A from 88.31, B from 76.61, C from 65.00, else D."""
    return "A" if value >= Decimal("88.31") else "B" if value >= Decimal("76.61") else (
        "C" if value >= Decimal("65.00") else "D")


def test_ikm_is_25_times_the_mean_score_and_graded_by_the_bands(sample: dict[str, Any]) -> None:
    graded = [r for r in _csv(sample, "performance") if r["ikm"]]
    assert len(graded) > len(_csv(sample, "performance")) / 2
    for r in graded:
        exact = Fraction(25) * sum(Fraction(r[f"u{i}"]) for i in range(1, 10)) / 9  # each element weighs 1/9
        expected = Decimal(math.floor(exact * 100 + Fraction(1, 2))) / 100  # to the cent, halves up
        assert (Decimal(r["ikm"]), r["ikm_grade"]) == (expected, _band(expected)), r
    assert {"A", "B", "C"} <= {r["ikm_grade"] for r in graded}  # mostly B and A, some C (README.md)
    assert all(not r["ikm_grade"] for r in _csv(sample, "performance") if not r["ikm"])


def test_overdue_means_open_past_the_due_date(sample: dict[str, Any]) -> None:
    decisions = _csv(sample, "decisions")
    for d in decisions:
        late = d["status"] in ("open", "in-progress") and d["due_date"] != "" and d["due_date"] < AS_OF.isoformat()
        assert d["overdue"] == ("true" if late else "false"), d
    assert 0 < sum(d["overdue"] == "true" for d in decisions) < len(decisions)


def test_missing_means_no_file_was_sent_and_on_time_means_by_the_deadline(sample: dict[str, Any]) -> None:
    rows = _csv(sample, "submissions")
    for r in rows:
        sent = list((SAMPLE / "submissions" / r["period"] / r["agency_code"]).glob(f"{r['table']}.*"))
        assert (r["status"] == "missing") == (sent == []), r
        if r["status"] == "missing":
            continue
        year, month = map(int, r["period"].split("-"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        deadline = datetime(year, month, DEADLINE_DAY, 23, 59, 59, tzinfo=JAMBI)
        assert r["on_time"] == ("true" if datetime.fromisoformat(r["received_at"]) <= deadline else "false"), r
    counts = {status: sum(r["status"] == status for r in rows) for status in ("accepted", "rejected", "missing")}
    assert all(counts.values()) and counts["rejected"] < counts["accepted"] / 10, counts


def test_decisions_include_overdue_ones_and_their_history(sample: dict[str, Any]) -> None:
    decisions = _csv(sample, "decisions")
    history = _csv(sample, "decision_history")
    assert any(d["overdue"] == "true" for d in decisions)
    assert len(history) >= len(decisions)
    keys = {(h["agency_code"], h["decision_id"]) for h in history}
    assert {(d["agency_code"], d["decision_id"]) for d in decisions} == keys


def test_agenda_history_keeps_every_version_and_ends_with_the_latest(sample: dict[str, Any]) -> None:
    agendas = {(a["agency_code"], a["agenda_id"]): a for a in _csv(sample, "agendas")}
    history = _csv(sample, "agenda_history")
    assert {(h["agency_code"], h["agenda_id"]) for h in history} == set(agendas)
    assert len(history) > len(agendas)  # the sample re-sends agendas as planned, then held or postponed
    last = {(h["agency_code"], h["agenda_id"]): h for h in history}  # rows are sorted by period
    for key, h in last.items():
        latest = agendas[key]
        assert (h["period"], h["date"], h["status"], h["title"]) == (
            latest["period"], latest["date"], latest["status"], latest["title"]), key


HISTORY = {  # the sample's rejected-then-corrected files: (period, agency, table) -> correction on time?
    ("2025-11", "imigrasi", "performance"): False,
    ("2026-03", "kpp-pratama", "performance"): False,
    ("2026-07", "dpmptsp", "decisions"): True,
    ("2026-10", "disdukcapil", "performance"): True,
}


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Publish the four agencies whose files were corrected: first as first sent, then corrected."""
    from datetime import date, datetime

    from pipeline.core.config import load_portal
    from pipeline.publish import publish_data

    base = tmp_path_factory.mktemp("replay")
    ds = base / "datasets"
    ds.mkdir()
    for item in ("portal.toml", "receipts.csv", "schemas", "reference"):
        (shutil.copytree if (SAMPLE / item).is_dir() else shutil.copy)(SAMPLE / item, ds / item)
    agencies = {a for _, a, _ in HISTORY}
    for path in sorted((SAMPLE / "submissions").glob("*/*/*")):
        if path.parent.name in agencies:
            target = ds / path.relative_to(SAMPLE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    corrected = {}
    for key in HISTORY:
        (found,) = (ds / "submissions" / key[0] / key[1]).glob(f"{key[2]}.*")
        corrected[found] = found.read_bytes()
        found.write_bytes((SAMPLE / "history" / key[0] / key[1] / found.name).read_bytes())
    portal = load_portal(ds, base / "output")
    first = publish_data(portal, date(2026, 11, 6), datetime.fromisoformat("2026-11-06T07:00:00+07:00"))
    for path, data in corrected.items():
        path.write_bytes(data)
    second = publish_data(portal, date(2026, 11, 28), datetime.fromisoformat("2026-11-28T07:00:00+07:00"))
    return {"output": base / "output", "first": first, "second": second}


def test_corrections_become_revision_2_and_replace_nothing_accepted(replay: dict[str, Any]) -> None:
    assert replay["second"].new == len(HISTORY)
    index = json.loads((replay["output"] / "store" / "index.json").read_bytes())
    versions = {}
    for v in index["versions"]:
        versions.setdefault((v["period"], v["agency"], v["table"]), []).append((v["revision"], v["status"]))
    pointers = {(k["period"], k["agency"], k["table"]): (k["current"], k["published"]) for k in index["keys"]}
    for key in HISTORY:
        assert versions[key] == [(1, "rejected"), (2, "accepted")], key
        assert pointers[key] == (2, 2)
    assert all(len(v) == 1 for k, v in versions.items() if k not in HISTORY)


def test_corrections_carry_their_receipt_time_and_timeliness(replay: dict[str, Any]) -> None:
    rows = {(r["period"], r["agency_code"], r["table"]): r
            for r in json.loads((replay["output"] / "data" / "submissions.json").read_bytes())}
    receipts = list(csv.DictReader((SAMPLE / "receipts.csv").open(encoding="utf-8")))
    for key, on_time in HISTORY.items():
        row = rows[key]
        logged = [r["received_at"] for r in receipts if r["sha256"] == row["sha256"]]
        assert (row["status"], row["revision"], row["on_time"]) == ("accepted", 2, on_time), key
        assert logged == [row["received_at"]], key


def test_change_log_tells_the_two_publishes_apart(replay: dict[str, Any]) -> None:
    events = json.loads((replay["output"] / "data" / "changelog.json").read_bytes())
    assert [e["date"] for e in events] == ["2026-11-06", "2026-11-28"]
    first = {(c["period"], c["agency"], c["table"]) for c in events[0]["changes"] if c["change"] == "rejected"}
    assert set(HISTORY) <= first
    # Nothing of theirs was published before, so the corrections add data rather than correct it.
    second = {(c["period"], c["agency"], c["table"], c["change"]) for c in events[1]["changes"]}
    assert second == {(*key, "added") for key in HISTORY}
