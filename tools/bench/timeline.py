"""Where a measured step's time went: the stages its processes recorded (``pipeline/core/timeline.py``), laid on
one line from the moment the benchmark started the command.

The benchmark names a timeline file for each step it runs (``MPP_TIMELINE``) and takes ``time.monotonic()`` just
before starting it: every process of the run uses that clock, so a stage's start is its distance from the
command's launch, the interpreter's start-up included (before the first stage).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.core.timeline import Span, read

SHOWN = 0.02  # stages shorter than this many seconds are kept in the JSON, left out of the printed table


def laid_out(path: Path, launched: float) -> list[dict[str, Any]]:
    """The spans of the timeline file ``path`` (none when it is missing), from ``launched`` (monotonic seconds)."""
    try:
        spans = read(path)
    except OSError:
        return []
    return [_row(span, launched) for span in spans]


def _row(span: Span, launched: float) -> dict[str, Any]:
    """One span as a row: its process, stage, start and end from the launch, wall and CPU seconds."""
    return {"process": span.process, "pid": span.pid, "stage": span.stage,
            "from": round(span.start - launched, 3), "to": round(span.end - launched, 3),
            "seconds": round(span.seconds, 3), "cpu": round(span.cpu, 3)}


def table(rows: list[dict[str, Any]], least: float = SHOWN) -> str:
    """The rows of at least ``least`` seconds as a Markdown table, in the order they began; a process's name is
    followed by a number when two processes of the run share it."""
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for row in rows:
        if row["pid"] not in names:
            seen[row["process"]] = seen.get(row["process"], 0) + 1
            names[row["pid"]] = row["process"] + ("" if seen[row["process"]] == 1 else f" #{seen[row['process']]}")
    lines = ["| process | stage | from (s) | to (s) | wall (s) | CPU (s) |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {names[r['pid']]} | {r['stage']} | {r['from']:.2f} | {r['to']:.2f} | {r['seconds']:.2f} | "
              f"{r['cpu']:.2f} |" for r in rows if r["seconds"] >= least]
    return "\n".join(lines)
