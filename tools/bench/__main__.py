"""``python -m tools.bench [--scale city|town|AxSxM] [--keep DIR]``: generate a mall and measure every step.

The scale comes from ``--scale``, else ``BENCH_SCALE``, else ``city`` (the large city of
issue 12). The mall is generated into a temporary folder, removed afterwards unless
``--keep`` names a folder to use instead. The table is printed, then where each of our commands' time
went (the stages its processes recorded, ``timeline.py``); the JSON goes to ``output/bench/<scale>.json``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tools.bench import timeline
from tools.bench.run import report, run_all, save, table
from tools.bench.shape import shape_for


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when every step ran (the goals are reported, not enforced)."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench")
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "city"))
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and leave it there")
    parser.add_argument("--json-dir", type=Path, default=Path("output/bench"))
    args = parser.parse_args(argv)
    try:
        shape = shape_for(args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    work = args.keep or Path(tempfile.mkdtemp(prefix="mpp-bench-"))
    try:
        steps = run_all(shape, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    document = report(shape, steps)
    print(table(steps))
    for goal in document["goals"]:
        # With the ratio, the one its CPU time allows on these cores at best (run.goals: ``cpu_floor``).
        floor = f" (CPU / {document['cores']} cores: {goal['cpu_floor']})" if "cpu_floor" in goal else ""
        print(f"{'MET    ' if goal['met'] else 'NOT MET'}  {goal['goal']}: "
              f"{goal.get('ratio', goal.get('peak_mb', goal.get('pages_over_budget')))}{floor}")
    for step in steps:
        if step.timeline:  # where each of our commands' time went (the stages its processes recorded)
            print(f"\nWhere the time went / Ke mana waktunya: {step.name}, {step.seconds:.2f} s "
                  f"(stages of {timeline.SHOWN} s or more; all in the JSON)")
            print(timeline.table(step.timeline))
    print(f"JSON: {save(document, args.json_dir, args.scale)}")
    failed = [s.name for s in steps if s.exit_code not in (0, 1)]
    if failed:
        print(f"steps that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
