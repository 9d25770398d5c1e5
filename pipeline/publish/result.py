"""What a publish did, and how the terminal is told (light: the nothing-new check needs no stage's code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

NOTHING_NEW = ("Tidak ada masukan yang berubah sejak publikasi terakhir / no input changed since the last "
               "publish: nothing to do")


@dataclass(frozen=True)
class PublishResult:
    """What a publish did, for the summary line and for tests."""

    accepted: int
    rejected: int
    new: int
    changed: bool
    output: Path
    tables_changed: tuple[str, ...] = ()
    receipt_warnings: tuple[str, ...] = ()
    needs_action: tuple[str, ...] = ()  # the summary's lines naming the agencies to contact
    # The data files written, as ``treehash.written_entry`` gives them (for the site stage's check).
    written: dict[str, list[Any]] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the terminal and cron logs."""
        return (
            f"Terbit / Published: {self.accepted} berkas diterima / accepted, {self.rejected} "
            f"ditolak / rejected, {self.new} baru / new -> {self.output}"
        )


def nothing_new(last: dict[str, Any], output: Path) -> PublishResult:
    """The result of a publish skipped because nothing changed: the last run's counts (``last``: its record)."""
    click.echo(NOTHING_NEW)
    lines = last.get("needs_action", [])
    return PublishResult(int(last.get("accepted", 0)), int(last.get("rejected", 0)), 0, False, output,
                         needs_action=tuple(str(x) for x in lines) if isinstance(lines, list) else ())


def show(result: PublishResult) -> None:
    """The receipts' warnings (stderr), the summary line and the agencies to contact."""
    for warning in result.receipt_warnings:
        click.echo(f"PERINGATAN / WARNING: {warning}", err=True)
    click.echo(result.summary())
    for line in result.needs_action:
        click.echo(line)
