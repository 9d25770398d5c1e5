"""Push progress: a bar on a terminal, one plain line per write call in cron logs."""

from __future__ import annotations

import sys
from typing import TextIO

import click

from pipeline.ckan.plan import CREATE, DELETE, UNCHANGED, UPDATE, Plan

WORDS = {CREATE: "dibuat / created", UPDATE: "diperbarui / updated",
         UNCHANGED: "tetap / unchanged", DELETE: "dihapus / deleted"}


class Progress:
    """Counts write calls against the plan's total and shows how far the push is.

    On a terminal, click's progress bar; in a log (cron), one plain line per write call, so
    that the log says which call was the last to succeed.
    """

    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.total, self.done = total, 0
        tty = self.stream.isatty() if tty is None else tty
        self.bar = click.progressbar(length=total, file=self.stream, width=30, show_pos=True) if tty else None

    def step(self, text: str) -> None:
        """One write call finished."""
        self.done += 1
        if self.bar is not None:
            self.bar.label = f"{text[:60]:<60}"  # the call just made, before the bar
            self.bar.update(1)
            return
        self.stream.write(f"ckan: [{self.done}/{self.total}] {text}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line so the summary starts on a fresh one."""
        if self.bar is not None and self.done:
            self.bar.render_finish()


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
