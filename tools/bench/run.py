"""The benchmark's steps, in order, each as its own process measured from outside.

(0) generate the mall; (1) frictionless file by file (the baseline); (2) ``validate``;
(3) cold ``publish``; (4) ``publish`` with nothing new; (5) after one agency-month arrives;
(6) after one late file replaces a rejected one of an old month; (7) the site build alone.
Every publish is given the same ``--as-of`` and ``--now``, so that only the new files
differ between runs. After each publish the output folder is compared with a snapshot
taken before it, which counts the files the run wrote (the run log excepted).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core import cores
from pipeline.core.timeline import ENV
from pipeline.site import budget
from tools.bench import city, timeline
from tools.bench.measure import Measured, run
from tools.bench.shape import Shape

ROOT = Path(__file__).resolve().parents[2]
AS_OF, NOW = "2026-11-30", "2026-11-30T08:00:00"
RUN_LOG = "runs.jsonl"
# The goals, as ratios within one run (see README, "Skala / Scale").
GOALS = (
    ("cold publish <= 0.5 x baseline", "publish-cold", "baseline", 0.5),
    ("nothing new < 1 % of cold publish", "publish-nothing-new", "cold", 0.01),
    ("one new agency-month < 5 % of cold", "publish-new-month", "cold", 0.05),
    ("one late file < 5 % of cold", "publish-late-file", "cold", 0.05),
    ("validate >= 15 x faster than baseline", "validate", "baseline", 1 / 15),
)
PEAK_GOAL = 1024 ** 3  # the cold publish's whole process tree under 1 GB


@dataclass
class Step:
    """One row of the table."""

    name: str
    what: str
    seconds: float
    peak_mb: float
    exit_code: int
    files_written: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0  # the RSS sum (shared pages counted in each process), beside the PSS peak
    # Where its time went: the stages its processes recorded (timeline.py), from the command's launch.
    timeline: list[dict[str, Any]] = field(default_factory=list)


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, size, mtime) of every file under ``folder``: a rewritten file changes at least one."""
    out = {}
    for base, _, names in os.walk(folder):
        for name in names:
            path = Path(base, name)
            st = path.lstat()
            out[path.relative_to(folder).as_posix()] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


def _written(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]) -> int:
    """Files created, changed or removed between two snapshots, leaving out the run log."""
    names = (set(before) | set(after)) - {RUN_LOG, ".lock"}
    return sum(1 for n in names if before.get(n) != after.get(n))


def _step(name: str, what: str, done: Measured, written: int | None = None, **extra: Any) -> Step:
    """A table row from a measurement; the output's last lines go to stderr when the step failed."""
    return Step(name, what, round(done.seconds, 2), round(done.peak_bytes / 2 ** 20, 1), done.exit_code, written,
                dict(extra), round(done.cpu_seconds, 2), round(done.peak_rss_bytes / 2 ** 20, 1))


def _pipeline(*args: str) -> list[str]:
    """The command line of one pipeline command."""
    return [sys.executable, "-m", "pipeline", *args]


def _say(text: str) -> None:
    print(text, flush=True)  # at once: a long run shows each step as it ends, even into a log file


def run_all(shape: Shape, work: Path, say: Any = _say) -> list[Step]:
    """Generate the mall under ``work`` and run every step; returns the rows."""
    datasets, output = work / "datasets", work / "output"
    where = ["--datasets", str(datasets), "--output", str(output)]
    publish = _pipeline("publish", *where, "--no-push", "--as-of", AS_OF, "--now", NOW)
    steps: list[Step] = []

    started = time.perf_counter()
    mall = city.build(shape)
    city.generate(mall, datasets)
    files = sum(1 for _ in (datasets / "submissions").rglob("*.*"))
    steps.append(Step("generate", f"generate {shape.agencies}x{shape.services}x{shape.months}: {files} files, "
                      f"{len(mall.mistakes)} with a mistake", round(time.perf_counter() - started, 2), 0.0, 0))
    say(steps[-1].what)

    def measure(name: str, what: str, command: list[str], count_writes: bool = False, **extra: Any) -> Measured:
        before = _snapshot(output) if count_writes else {}
        # Each of our commands records its stages (pipeline/core/timeline.py) in a file of its own.
        stages = work / "timelines" / f"{name}.jsonl"
        stages.parent.mkdir(exist_ok=True)
        stages.unlink(missing_ok=True)
        launched = time.monotonic()
        done = run(command, ROOT, {**os.environ, ENV: str(stages)})
        written = _written(before, _snapshot(output)) if count_writes else None
        if done.exit_code not in (0, 1):
            say(done.output[-3000:])
        steps.append(_step(name, what, done, written, **extra))
        steps[-1].timeline = timeline.laid_out(stages, launched)
        say(f"  {name}: {done.seconds:.1f} s ({done.cpu_seconds:.1f} s CPU), {done.peak_bytes / 2 ** 20:.0f} MB, "
            f"exit {done.exit_code}"
            + (f", {written} files written" if written is not None else ""))
        return done

    measure("baseline", "frictionless alone, file by file, one process",
            [sys.executable, "-m", "tools.bench.baseline", str(datasets)])
    measure("validate", "python -m pipeline validate", _pipeline("validate", *where))
    measure("publish-cold", "cold publish (validate, store, tables, site)", publish, True)
    measure("publish-nothing-new", "publish again, nothing new", publish, True)
    added = city.add_late_month(mall, datasets)
    measure("publish-new-month", f"publish after one agency-month ({len(added)} files)", publish, True)
    fixed = city.correct_old_file(mall, datasets)
    measure("publish-late-file", f"publish after a late fix of {fixed}", publish, True)
    (output / "site" / ".build-fingerprint").unlink(missing_ok=True)  # force the build
    done = measure("site-build", "site build alone", _pipeline("build", *where, "--as-of", AS_OF))
    steps[-1].extra = site_pages(output / "site", done.seconds)
    return steps


def site_pages(site: Path, seconds: float) -> dict[str, Any]:
    """Pages, pages per second, the largest page gzipped and every page over the 30 KB budget."""
    sizes = budget.page_sizes(site)
    largest = max(sizes, key=lambda k: sizes[k], default="")
    over = budget.over_budget(sizes)
    return {"pages": len(sizes), "pages_per_second": round(len(sizes) / seconds, 1) if seconds else 0.0,
            "largest_page": largest, "largest_page_gzip_kb": round(sizes.get(largest, 0) / 1024, 1),
            "budget_kb": budget.PAGE_BUDGET // 1024, "pages_over_budget": len(over),
            "over_budget": {k: round(v / 1024, 1) for k, v in over.items()}}


def ratios(steps: list[Step]) -> dict[str, dict[str, float]]:
    """Each step's time over the cold publish's and over the baseline's."""
    by = {s.name: s for s in steps}
    cold, base = by["publish-cold"].seconds, by["baseline"].seconds
    return {s.name: {"cold": round(s.seconds / cold, 4) if cold else 0.0,
                     "baseline": round(s.seconds / base, 4) if base else 0.0} for s in steps if s.name != "generate"}


def goals(steps: list[Step]) -> list[dict[str, Any]]:
    """Each goal of the issue with the measured ratio and whether it is met; ``cpu_floor``: the ratio the step
    would have if its process tree's CPU time were spread over every core, no second waited on anything else
    (no wall time can be shorter): above the goal's limit, the goal takes less work, not more parallelism."""
    by = {s.name: s for s in steps}
    rel = ratios(steps)
    whole = {"cold": by["publish-cold"].seconds, "baseline": by["baseline"].seconds}
    out = [{"goal": text, "ratio": rel[name][against], "met": rel[name][against] <= limit
            and (name != "publish-nothing-new" or by[name].files_written == 0),
            "cpu_floor": round(by[name].cpu_seconds / cores.usable() / whole[against], 4) if whole[against] else 0.0}
           for text, name, against, limit in GOALS]
    peak = by["publish-cold"].peak_mb
    out.append({"goal": "cold publish peak memory < 1 GB", "peak_mb": peak, "met": peak * 2 ** 20 < PEAK_GOAL})
    over = by["site-build"].extra.get("pages_over_budget", 0)
    out.append({"goal": f"every page within {budget.PAGE_BUDGET // 1024} KB gzipped", "pages_over_budget": over,
                "met": over == 0})
    return out


def table(steps: list[Step]) -> str:
    """The rows as a Markdown table."""
    rel = ratios(steps)
    lines = [("| step | work | time (s) | CPU (s) | peak memory (MB, PSS) | RSS sum (MB) | x cold publish "
              "| x baseline | files written |"),
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in steps:
        if s.name == "generate":
            continue
        what = s.what + "".join(f"; {k} {v}" for k, v in s.extra.items() if k != "over_budget")
        over = list(s.extra.get("over_budget", {}).items())
        if over:  # the largest few; the JSON has them all
            what += "; over budget: " + ", ".join(f"{k} {v} KB" for k, v in over[:3]) + (" …" if len(over) > 3 else "")
        lines.append(f"| {s.name} | {what} | {s.seconds:.2f} | {s.cpu_seconds:.2f} | {s.peak_mb:.0f} | "
                     f"{s.peak_rss_mb:.0f} | {rel[s.name]['cold']:.3f} | "
                     f"{rel[s.name]['baseline']:.3f} | {'' if s.files_written is None else s.files_written} |")
    return "\n".join(lines)


def report(shape: Shape, steps: list[Step]) -> dict[str, Any]:
    """Everything as one JSON document."""
    return {"shape": asdict(shape), "steps": [asdict(s) for s in steps], "ratios": ratios(steps),
            "goals": goals(steps), "cpu_count": os.cpu_count(), "cores": cores.usable(),
            "load_average": list(os.getloadavg())}


def save(document: dict[str, Any], folder: Path, name: str) -> Path:
    """Write the JSON report as ``<folder>/<name>.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
