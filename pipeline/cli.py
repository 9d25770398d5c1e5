"""Thin command-line interface: each command loads the portal and calls one stage function."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

import click

from pipeline.config import Portal, load_portal
from pipeline.errors import PipelineError

_datasets_opt = click.option(
    "--datasets", "datasets", type=click.Path(path_type=Path), default=Path("datasets"),
    show_default=True, help="Folder with portal.toml, schemas/, reference/ and submissions/.",
)
_output_opt = click.option(
    "--output", "output", type=click.Path(path_type=Path), default=Path("output"),
    show_default=True, help="Folder the pipeline writes to.",
)
_as_of_opt = click.option(
    "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
    help="Judge deadlines and overdue follow-ups as of this date (default: today).",
)


def _run(action: Callable[[], int | None]) -> None:
    """Run a command body, turning pipeline failures into a message and an exit code."""
    try:
        code = action() or 0
    except PipelineError as exc:
        click.echo(f"GAGAL / FAILED: {exc}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code)


def _load(datasets: Path, output: Path) -> Portal:
    """Load portal.toml and show its warnings on stderr (they never change the exit code)."""
    portal = load_portal(datasets, output)
    for warning in portal.warnings:
        click.echo(f"PERINGATAN / WARNING: {warning}", err=True)
    return portal


def _as_date(value: Any, portal: Portal) -> date:
    """The --as-of date, or today in the portal's time zone."""
    return value.date() if value is not None else portal.today()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Publish the mall's agendas, decisions and performance as open data."""


@main.command()
@_datasets_opt
@_output_opt
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report array.")
def validate(datasets: Path, output: Path, as_json: bool) -> None:
    """Check every submitted file against the contract; exit 1 if any is rejected."""
    from pipeline.report_text import summary_text
    from pipeline.store import previous_agenda_lookup
    from pipeline.validate import validate_datasets

    def body() -> int:
        portal = _load(datasets, output)
        # Agendas accepted in earlier runs (read-only; None before the first publish).
        reports = validate_datasets(portal, previous_agenda_lookup(output))
        if as_json:
            click.echo(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
        else:
            click.echo(summary_text(reports))
        return 0 if all(r.accepted for r in reports) else 1

    _run(body)


@main.command()
@_datasets_opt
@_output_opt
@_as_of_opt
@click.option("--no-site", is_flag=True, help="Skip the site build.")
@click.option("--no-push", is_flag=True, help="Skip the CKAN push.")
def publish(datasets: Path, output: Path, as_of: Any, no_site: bool, no_push: bool) -> None:
    """Validate, store, publish the data, build the site and push to CKAN."""
    from pipeline.publish import publish_data

    def body() -> int:
        portal = _load(datasets, output)
        day = _as_date(as_of, portal)
        publish_data(portal, day)
        if not no_site:
            _build_site(portal, day)
        if not no_push:
            _push(portal, dry_run=False)
        return 0

    _run(body)


@main.command()
@_datasets_opt
@_output_opt
@_as_of_opt
def build(datasets: Path, output: Path, as_of: Any) -> None:
    """Render the static site from the published data into <output>/site."""

    def body() -> None:
        portal = _load(datasets, output)
        _build_site(portal, _as_date(as_of, portal))

    _run(body)


@main.command()
@_datasets_opt
@_output_opt
@click.option("--dry-run", is_flag=True, help="Print and save the plan; write nothing to CKAN.")
def push(datasets: Path, output: Path, dry_run: bool) -> None:
    """Sync <output>/data to the CKAN portal (token from CKAN_API_TOKEN)."""

    def body() -> None:
        _push(_load(datasets, output), dry_run=dry_run)

    _run(body)


def _build_site(portal: Portal, day: date) -> None:
    """Build the public site (imported late so that validation does not load the site stage)."""
    from pipeline.site import build_site

    build_site(portal, day)


def _push(portal: Portal, dry_run: bool) -> None:
    """Push to CKAN, or say in one line why and how it was skipped."""
    if not portal.ckan.url:
        click.echo(
            "CKAN: tidak dikonfigurasi, pengiriman dilewati / not configured, push skipped "
            "(set CKAN_URL and CKAN_API_TOKEN, or [ckan] url in portal.toml)"
        )
        return
    from pipeline.ckan import push_portal

    push_portal(portal, dry_run=dry_run)
