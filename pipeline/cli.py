"""Thin command-line interface: each command reads its options and runs the stages in ``pipeline.runner``.

How a command runs (the lock, the run log, exit codes, internal errors) is in
``pipeline.runner.command``; what each stage does for a command is in ``pipeline.runner.steps``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline.core import timeline
from pipeline.core.config import Portal
from pipeline.runner import steps
from pipeline.runner.command import run_command
from pipeline.runner.exitcodes import EXIT_CODES_HELP
from pipeline.runner.runlog import RunRecord

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.option("--debug", is_flag=True, help="Show the traceback of every failure, expected ones included.")
def main(debug: bool) -> None:
    """Publish the mall's agendas, decisions and performance as open data.

    publish, build and push take the lock of the output folder: a second run on the same
    folder exits with code 3 and changes nothing. Each of them appends a line to
    <output>/runs.jsonl.
    """


@main.command(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report array.")
def validate(datasets: Path, output: Path, as_json: bool) -> None:
    """Check every submitted file against the contract; exit 1 if any is rejected."""

    def body(record: RunRecord) -> int:
        return steps.validate(steps.load(datasets, output), as_json)

    sys.exit(run_command("validate", body))


@main.command(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@_as_of_opt
@click.option("--no-site", is_flag=True, help="Skip the site build.")
@click.option("--no-push", is_flag=True, help="Skip the CKAN push.")
@click.option("--now", "now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Fix the clock (portal time) for reproducible runs and tests: the time recorded "
                   "for files first seen in this run (default: the real time).")
def publish(datasets: Path, output: Path, as_of: datetime | None, no_site: bool, no_push: bool,
            now: datetime | None) -> None:
    """Validate, store, publish the data, build the site and push to CKAN."""

    def body(record: RunRecord) -> None:
        portal = steps.load(datasets, output, record)
        day = steps.as_of_date(as_of, portal)
        written: dict[str, list[Any]] = {}  # the data files the publish step wrote, for the site's check
        with timeline.span("data stage"):
            published = steps.publish(portal, day, now, record, site=not no_site, written=written)
        with timeline.span("site stage"):
            steps.build(portal, day, record, skip=no_site, published=published, written=written)
        with timeline.span("push"):
            steps.push(portal, False, record, skip=no_push)

    sys.exit(run_command("publish", body, output))


@main.command(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@_as_of_opt
def build(datasets: Path, output: Path, as_of: datetime | None) -> None:
    """Render the static site from the published data into <output>/site."""

    def body(record: RunRecord) -> None:
        portal = steps.load(datasets, output, record)
        steps.build(portal, steps.as_of_date(as_of, portal), record)

    sys.exit(run_command("build", body, output))


@main.command(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@click.option("--dry-run", is_flag=True, help="Print and save the plan; write nothing to CKAN.")
def push(datasets: Path, output: Path, dry_run: bool) -> None:
    """Sync <output>/data to the CKAN portal (token from CKAN_API_TOKEN)."""

    def body(record: RunRecord) -> None:
        steps.push(steps.load(datasets, output, record), dry_run, record)

    sys.exit(run_command("push", body, output))


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A ``YYYY-MM`` period, or a usage error."""
    from pipeline.core.periods import PERIOD_RE

    if value is not None and not PERIOD_RE.match(value):
        raise click.BadParameter(f"harus TAHUN-BULAN / must be YEAR-MONTH, e.g. 2026-10 (found {value!r})")
    return value


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--agency", required=True, help="The agency code (reference/agencies.csv).")
@click.option("--period", required=True, callback=_period, help="The month the file is for (YYYY-MM).")
@click.option("--table", type=click.Choice(["agendas", "decisions", "performance"]), default=None,
              help="The table (default: recognised from the file's header).")
@click.option("--received-at", "received_at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                                                                          "%Y-%m-%d %H:%M"]),
              default=None, help="When it arrived, portal time (default: now).")
@_datasets_opt
@_output_opt
def receive(file: Path, agency: str, period: str, table: str | None, received_at: datetime | None,
            datasets: Path, output: Path) -> None:
    """Copy a file that arrived by e-mail or on a stick into submissions/ and log its receipt."""

    def body(record: RunRecord) -> None:
        steps.receive(steps.load(datasets, output), file, agency, period, table, received_at)

    sys.exit(run_command("receive", body))


@main.command(epilog=EXIT_CODES_HELP)
@click.option("--period", default=None, callback=_period, help="The month (YYYY-MM; default: the last ended).")
@_as_of_opt
@_datasets_opt
@_output_opt
def status(period: str | None, as_of: datetime | None, datasets: Path, output: Path) -> None:
    """The officer's checklist: per agency, each table received, on time, late, rejected or missing."""

    def body(record: RunRecord) -> None:
        portal = steps.load(datasets, output)
        steps.status(portal, period, steps.as_of_date(as_of, portal))

    sys.exit(run_command("status", body))


@main.command(epilog=EXIT_CODES_HELP)
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
@_datasets_opt
@_output_opt
def intake(workers: int, datasets: Path, output: Path) -> None:
    """Start the intake service (gunicorn on 127.0.0.1, port from portal.toml or INTAKE_PORT)."""
    from pipeline.intake import service

    def body(record: RunRecord) -> None:
        service.start(steps.load(datasets, output), workers)

    sys.exit(run_command("intake", body))


@main.group(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@click.pass_context
def accounts(ctx: click.Context, datasets: Path, output: Path) -> None:
    """Accounts of the intake service: add, reset, disable, list."""
    ctx.obj = (datasets, output)


def _accounts_run(ctx: click.Context, action: Callable[[Portal], None]) -> None:
    datasets, output = ctx.obj

    def body(record: RunRecord) -> None:
        action(steps.load(datasets, output))

    sys.exit(run_command("accounts", body))


@accounts.command("add")
@click.argument("username")
@click.option("--agency", default=None, help="The clerk's agency code.")
@click.option("--officer", is_flag=True, help="A data officer (sees every agency and the checklist).")
@click.option("--email", default=None, help="Default: the agency's clerk in reference/contacts.csv.")
@click.pass_context
def accounts_add(ctx: click.Context, username: str, agency: str | None, officer: bool, email: str | None) -> None:
    """Create an account; its first password is printed once."""
    from pipeline.intake import service

    _accounts_run(ctx, lambda portal: service.add(portal, username, agency, officer, email))


@accounts.command("reset")
@click.argument("username")
@click.pass_context
def accounts_reset(ctx: click.Context, username: str) -> None:
    """Give an account a new password (printed once) and unlock it."""
    from pipeline.intake import service

    _accounts_run(ctx, lambda portal: service.reset(portal, username))


@accounts.command("disable")
@click.argument("username")
@click.pass_context
def accounts_disable(ctx: click.Context, username: str) -> None:
    """Stop an account from signing in."""
    from pipeline.intake import service

    _accounts_run(ctx, lambda portal: service.disable(portal, username))


@accounts.command("list")
@click.pass_context
def accounts_list(ctx: click.Context) -> None:
    """List every account."""
    from pipeline.intake import service

    _accounts_run(ctx, service.listing)


@main.command(epilog=EXIT_CODES_HELP)
@click.option("--dry-run", is_flag=True, help="List the messages due; send and remember nothing.")
@_as_of_opt
@_datasets_opt
@_output_opt
def remind(dry_run: bool, as_of: datetime | None, datasets: Path, output: Path) -> None:
    """E-mail the reminders due today (SMTP in portal.toml, password from SMTP_PASSWORD); each once."""

    def body(record: RunRecord) -> None:
        portal = steps.load(datasets, output)
        steps.remind(portal, steps.as_of_date(as_of, portal), dry_run)

    sys.exit(run_command("remind", body))
