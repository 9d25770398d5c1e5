"""The stage timeline (``MPP_TIMELINE``): what a real publish records, in which process, and what it costs off."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipeline.core import timeline
from tests.run_support import REPO, add_month, env, publish_cmd, small_datasets
from tools.bench import timeline as bench_timeline

# The stages each process of a later publish with work records, in the order each process begins them.
DATA_STAGE = ["check: inputs and outputs", "imports: data stage", "validation", "store update", "tables", "data files",
              "commit"]


def _publish(ds: Path, out: Path, stages: Path | str | None) -> subprocess.CompletedProcess[str]:
    """``publish`` as a subprocess, its timeline written to ``stages`` (None: off)."""
    child = env()
    child.pop(timeline.ENV, None)
    if stages is not None:
        child[timeline.ENV] = str(stages)
    return subprocess.run(publish_cmd(ds, out), cwd=REPO, capture_output=True, text=True, timeout=300, env=child,
                          check=False)


def _by_process(spans: list[timeline.Span]) -> dict[str, list[str]]:
    """Each process's stages in the order they began."""
    out: dict[str, list[str]] = {}
    for span in spans:
        out.setdefault(span.process, []).append(span.stage)
    return out


def test_a_publish_records_each_stage_in_the_process_that_ran_it(tmp_path: Path) -> None:
    """A first publish, then one with a new file: every stage named, in its process, in order, inside the command."""
    ds, out = small_datasets(tmp_path), tmp_path / "out"
    first = _publish(ds, out, tmp_path / "first.jsonl")
    assert first.returncode == 0, first.stderr
    cold = _by_process(timeline.read(tmp_path / "first.jsonl"))
    assert cold["command"][:2] == ["command: publish", "data stage"]
    assert [s for s in cold["publish"] if s in DATA_STAGE] == DATA_STAGE
    assert "start-up: templates compiled" in cold["site"]  # a first publish's site child compiles meanwhile
    assert "pages (id)" in cold["site"] and "pages (en)" in cold["site (en)"]

    add_month(ds)  # one more month of one agency's performance
    later = _publish(ds, out, tmp_path / "later.jsonl")
    assert later.returncode == 0, later.stderr
    spans = timeline.read(tmp_path / "later.jsonl")
    stages = _by_process(spans)
    assert [s for s in stages["publish"] if s in DATA_STAGE] == DATA_STAGE
    assert stages["publish"][0] == timeline.WHOLE  # a forked child is recorded whole, then stage by stage
    assert "start-up: read ahead" in stages["site"] and "waiting: the data stage's word" in stages["site"]
    assert {"site data read", "pages (id)", "swap"} <= set(stages["site"])
    assert stages["command"] == ["command: publish", "data stage", "imports: site", "site check: digests read ahead",
                                 "site stage", "push"]
    command = next(s for s in spans if s.stage == "command: publish")
    for span in spans:
        assert command.start <= span.start <= span.end <= command.end, span
        assert span.cpu >= 0


def test_off_the_timeline_changes_nothing(tmp_path: Path) -> None:
    """Off (no ``MPP_TIMELINE``, as in every test process): a timed function is the function itself, a span does
    nothing, and a publish writes no timeline anywhere."""
    assert not timeline.enabled()

    def work() -> int:
        return 7

    assert timeline.timed("work")(work) is work
    with timeline.span("work"):
        pass
    ds, out = small_datasets(tmp_path), tmp_path / "out"
    before = set(tmp_path.rglob("*"))
    assert _publish(ds, out, None).returncode == 0
    assert not [p for p in set(tmp_path.rglob("*")) - before if p.suffix == ".jsonl" and p.name != "runs.jsonl"]


def test_a_timeline_that_cannot_be_written_never_fails_the_run(tmp_path: Path) -> None:
    """A folder named as the timeline file: the publish does its work, says once why there is no timeline."""
    ds, out = small_datasets(tmp_path), tmp_path / "out"
    (tmp_path / "a-folder").mkdir()
    done = _publish(ds, out, tmp_path / "a-folder")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(f"WARNING: {timeline.ENV}=") == 1
    assert (out / "site" / "index.html").is_file()


def test_read_passes_over_a_line_cut_short(tmp_path: Path) -> None:
    """A damaged line (a run killed mid-write) is left out; the rest come in the order they began."""
    path = tmp_path / "t.jsonl"
    lines = [{"process": "site", "pid": 2, "stage": "pages (id)", "start": 5.0, "end": 7.0, "cpu": 1.5},
             {"process": "command", "pid": 1, "stage": "command: publish", "start": 1.0, "end": 9.0, "cpu": 0.5}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"process": "publish", "pid": 3, "sta',
                    encoding="utf-8")
    spans = timeline.read(path)
    assert [s.stage for s in spans] == ["command: publish", "pages (id)"]
    assert spans[1].seconds == 2.0


def test_the_bench_table_names_processes_apart_and_leaves_out_short_stages() -> None:
    """Two processes of one name are told apart by a number; stages under the threshold are left out."""
    rows = bench_timeline.laid_out(Path("/nonexistent/timeline.jsonl"), 0.0)
    assert rows == []
    spans = [timeline.Span("publish (workbook)", 11, timeline.WHOLE, 10.5, 11.0, 0.4),
             timeline.Span("publish (workbook)", 12, timeline.WHOLE, 10.6, 11.5, 0.8),
             timeline.Span("command", 1, "push", 11.5, 11.505, 0.0)]
    rows = [bench_timeline._row(span, 10.0) for span in spans]
    text = bench_timeline.table(rows)
    assert "| publish (workbook) | (whole process) | 0.50 | 1.00 | 0.50 | 0.40 |" in text
    assert "| publish (workbook) #2 | (whole process) | 0.60 | 1.50 | 0.90 | 0.80 |" in text
    assert "push" not in text
