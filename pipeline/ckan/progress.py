"""Push progress: a bar on a terminal, one plain line per write call in cron logs."""

from __future__ import annotations

import sys
from typing import TextIO

from pipeline.ckan.plan import CREATE, DELETE, UNCHANGED, UPDATE, Plan

WORDS = {CREATE: "dibuat / created", UPDATE: "diperbarui / updated",
         UNCHANGED: "tetap / unchanged", DELETE: "dihapus / deleted"}


class Progress:
    """Counts write calls against the plan's total and shows how far the push is."""

    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.total, self.done = total, 0

    def step(self, text: str) -> None:
        """One write call finished."""
        self.done += 1
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {text[:60]:<60}")
        else:
            self.stream.write(f"ckan: [{self.done}/{self.total}] {text}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line so the summary starts on a fresh one."""
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()


def plan_text(plan: Plan) -> str:
    """The plan for people: one line per dataset and per resource."""
    lines = [f"Rencana / Plan: {plan.url}",
             f"  organisasi / organization {plan.organization}: {plan.organization_action}"]
    for ds in plan.datasets:
        detail = f" ({', '.join(ds.changes)})" if ds.changes and ds.changes != ["*"] else ""
        lines.append(f"  {ds.action:<9} dataset {ds.name}{detail}")
        for res in ds.resources:
            what = " + berkas / file" if res.upload else ""
            detail = f" ({', '.join(res.changes)})" if res.changes and res.changes != ["*"] else ""
            lines.append(f"    {res.action:<9} {res.name}{what}{detail}")
    lines.append(f"  panggilan tulis / write calls: {plan.write_calls()}")
    return "\n".join(lines)


def summary_text(plan: Plan, write_calls: int, seconds: float, dry_run: bool) -> str:
    """The end summary: created / updated / unchanged datasets and resources, write calls."""
    counts = plan.counts()

    def part(kind: str) -> str:
        return ", ".join(f"{n} {WORDS[a]}" for a, n in counts[kind].items() if n or a != DELETE)

    head = "CKAN (uji coba, tidak ada yang ditulis / dry run, nothing written)" if dry_run else "CKAN"
    calls = (f"panggilan tulis direncanakan / planned write calls: {plan.write_calls()}" if dry_run
             else f"panggilan tulis / write calls: {write_calls}")
    return (f"{head}: dataset: {part('datasets')}; sumber daya / resources: {part('resources')}; "
            f"{calls}; {seconds:.1f} s")
