"""Thin command-line interface: each command loads the portal and calls one stage function.

This is the one place where failures become exit codes (``exit_code_for``), where the
output folder's lock is taken (``publish``, ``build``, ``push``; ``validate`` only reads),
and where every run is appended to ``<output>/runs.jsonl``.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, NoReturn

import click

from pipeline.core import incidents
from pipeline.core.config import Portal, load_portal
from pipeline.core.errors import BusyError, ConfigError, PipelineError, PushError
from pipeline.core.oserrors import describe
from pipeline.core.redact import redact_text
from pipeline.runner.lock import output_lock
from pipeline.runner.runlog import RUN_LOG, RunRecord, append_run

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BUSY, EXIT_INTERNAL = 0, 1, 2, 3, 4
# Most specific first; anything else that escapes a command is a bug (EXIT_INTERNAL).
_EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigError, EXIT_CONFIG),
    (BusyError, EXIT_BUSY),
    (PipelineError, EXIT_FAILED),
    (OSError, EXIT_FAILED),  # a failure of the machine that a stage did not word itself
)
EXIT_CODES_HELP = """\b
Kode keluar / exit codes:
  0  berhasil (validate: semua berkas diterima) / success (validate: every file accepted)
  1  validate: ada berkas ditolak; atau kegagalan mesin (CKAN mati, disk penuh)
     / validate: a file was rejected; or a failure of the machine (CKAN down, disk full)
  2  konfigurasi rusak (portal.toml, skema, tabel referensi) / configuration broken
  3  proses lain sedang berjalan pada folder keluaran yang sama; coba lagi nanti
     / another run is in progress on the same output folder; try again later
  4  kesalahan internal: bug pada pipeline, bukan pada data; laporkan
     / internal error: a bug in the pipeline, not in the data; report it"""
INTERNAL = ("KESALAHAN INTERNAL / INTERNAL ERROR - ini kesalahan pada pipeline, bukan pada data; "
            "laporkan kepada pengembang beserta teks di bawah / this is a bug in the pipeline, not in "
            "the data; report it to the developers with the text below")

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


def exit_code_for(exc: BaseException) -> int:
    """The exit code of a failure (see EXIT_CODES_HELP)."""
    return next((code for kind, code in _EXIT_CODES if isinstance(exc, kind)), EXIT_INTERNAL)


def _run(command: str, body: Callable[[RunRecord], int | None], output: Path | None = None) -> NoReturn:
    """Run a command body and exit with its code.

    With ``output`` the body runs under the output folder's lock and the run is appended
    to the run log (a refused run too, without the lock); internal errors recorded on the
    way (a file whose judging crashed) turn the exit code into EXIT_INTERNAL at the end.
    """
    record = RunRecord(command, datetime.now().astimezone())
    incidents.clear()
    if output is None:  # validate: read-only, no lock, no log
        sys.exit(_finish(_outcome(lambda: body(record), record), record))
    done = False

    def locked() -> int:
        nonlocal done
        with output_lock(output, command, record.started):
            code = _finish(_outcome(lambda: body(record), record), record)
            _log(output, record, code)
            done = True
            return code

    code = _finish(_outcome(locked, record), record)
    if not done:  # refused (3), no lock could be made (1): a short line, written without the lock
        _log(output, record, code)
    sys.exit(code)


def _outcome(action: Callable[[], int | None], record: RunRecord) -> int:
    """Run ``action``; a failure becomes its message on stderr and its exit code, never a traceback."""
    try:
        return action() or EXIT_OK
    except PipelineError as exc:
        return _failed(exc, str(exc), record)
    except OSError as exc:
        return _failed(exc, describe(exc), record)
    except Exception as exc:  # noqa: BLE001 - a bug: reported as one, at the end of the command
        incidents.record(f"{record.command}: {type(exc).__name__}: {exc}", exc)
        return EXIT_INTERNAL


def _failed(exc: Exception, message: str, record: RunRecord) -> int:
    """Tell an expected failure in one line (its traceback only with --debug); its exit code."""
    message = redact_text(message)  # a URL with a password must never reach cron mail
    if _debug():
        click.echo(redact_text(_full_traceback(exc)), err=True)
    click.echo(f"GAGAL / FAILED: {message}", err=True)
    record.error = message
    return exit_code_for(exc)


def _finish(code: int, record: RunRecord) -> int:
    """Print the internal errors not yet told (traceback included); the final exit code."""
    for incident in incidents.collected():
        click.echo(f"{INTERNAL}:\n  {incident.where}\n{incident.traceback.rstrip()}", err=True)
        record.internal_errors.append(incident.to_json())
    incidents.clear()
    return EXIT_INTERNAL if record.internal_errors else code


def _log(output: Path, record: RunRecord, code: int) -> None:
    """Append the run to the run log; when that fails, say so without changing the exit code."""
    record.exit_code = code
    record.finished = datetime.now().astimezone()
    try:
        append_run(output, record.to_json())
    except OSError as exc:
        click.echo(f"PERINGATAN / WARNING: {RUN_LOG}: {describe(exc)}", err=True)


def _debug() -> bool:
    """True when --debug was given (tracebacks of expected failures too)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().params.get("debug"))


def _full_traceback(exc: BaseException) -> str:
    """The traceback with every exception it came from (also those hidden by ``from None``)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return "".join("".join(traceback.format_exception(e, chain=False)) for e in reversed(chain))


def _load(datasets: Path, output: Path, record: RunRecord | None = None) -> Portal:
    """Load portal.toml and show its warnings on stderr (they never change the exit code)."""
    portal = load_portal(datasets, output)
    if record is not None:
        record.tz = portal.tz
    for warning in portal.warnings:
        click.echo(f"PERINGATAN / WARNING: {warning}", err=True)
    return portal


def _as_date(value: Any, portal: Portal) -> date:
    """The --as-of date, or today in the portal's time zone."""
    return value.date() if value is not None else portal.today()


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
    from pipeline.store import previous_agenda_lookup
    from pipeline.validate import validate_datasets
    from pipeline.validate.report_text import summary_text

    def body(record: RunRecord) -> int:
        portal = _load(datasets, output)
        # Agendas accepted in earlier runs (read-only; None before the first publish).
        reports = validate_datasets(portal, previous_agenda_lookup(output))
        if as_json:
            click.echo(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
        else:
            click.echo(summary_text(reports))
        return EXIT_OK if all(r.accepted for r in reports) else EXIT_FAILED

    _run("validate", body)


@main.command(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@_as_of_opt
@click.option("--no-site", is_flag=True, help="Skip the site build.")
@click.option("--no-push", is_flag=True, help="Skip the CKAN push.")
@click.option("--now", "now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Fix the clock (portal time) for reproducible runs and tests: the time recorded "
                   "for files first seen in this run (default: the real time).")
def publish(datasets: Path, output: Path, as_of: Any, no_site: bool, no_push: bool, now: Any) -> None:
    """Validate, store, publish the data, build the site and push to CKAN."""
    from pipeline.publish import publish_data

    def body(record: RunRecord) -> int:
        portal = _load(datasets, output, record)
        day = _as_date(as_of, portal)
        result = publish_data(portal, day, now.replace(tzinfo=portal.tz) if now else None)
        record.accepted, record.rejected = result.accepted, result.rejected
        record.tables_changed = list(result.tables_changed)
        if no_site:
            record.pages = "skipped"
        else:
            _build_site(portal, day, record)
        if no_push:
            record.push = "skipped"
        else:
            _push(portal, False, record)
        return EXIT_OK

    _run("publish", body, output)


@main.command(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@_as_of_opt
def build(datasets: Path, output: Path, as_of: Any) -> None:
    """Render the static site from the published data into <output>/site."""

    def body(record: RunRecord) -> None:
        portal = _load(datasets, output, record)
        _build_site(portal, _as_date(as_of, portal), record)

    _run("build", body, output)


@main.command(epilog=EXIT_CODES_HELP)
@_datasets_opt
@_output_opt
@click.option("--dry-run", is_flag=True, help="Print and save the plan; write nothing to CKAN.")
def push(datasets: Path, output: Path, dry_run: bool) -> None:
    """Sync <output>/data to the CKAN portal (token from CKAN_API_TOKEN)."""

    def body(record: RunRecord) -> None:
        _push(_load(datasets, output, record), dry_run, record)

    _run("push", body, output)


def _build_site(portal: Portal, day: date, record: RunRecord) -> None:
    """Build the public site (imported late so that validation does not load the site stage)."""
    from pipeline.site import build_site

    built = build_site(portal, day)
    record.pages = "skipped" if built.skipped else built.pages


def _push(portal: Portal, dry_run: bool, record: RunRecord) -> None:
    """Push to CKAN, or say in one line why and how it was skipped."""
    if not portal.ckan.url:
        record.push = "skipped"
        click.echo(
            "CKAN: tidak dikonfigurasi, pengiriman dilewati / not configured, push skipped "
            "(set CKAN_URL and CKAN_API_TOKEN, or [ckan] url in portal.toml)"
        )
        return
    from pipeline.ckan import push_portal

    try:
        plan = push_portal(portal, dry_run=dry_run)
    except PushError as exc:
        record.push = {"failed": str(exc)}
        raise
    record.push = {"dry_run": dry_run, "write_calls": plan.write_calls(), **plan.counts()}
