"""How a run tells what went wrong: an expected failure in one line, a bug with its traceback."""

from __future__ import annotations

import traceback

import click

from pipeline.core import incidents
from pipeline.core.redact import redact_text
from pipeline.runner.exitcodes import exit_code_for
from pipeline.runner.runlog import RunRecord

INTERNAL = ("KESALAHAN INTERNAL / INTERNAL ERROR - ini kesalahan pada pipeline, bukan pada data; "
            "laporkan kepada pengembang beserta teks di bawah / this is a bug in the pipeline, not in "
            "the data; report it to the developers with the text below")


def tell_failure(exc: Exception, message: str, record: RunRecord) -> int:
    """Tell an expected failure in one line (its traceback only with --debug); its exit code."""
    message = redact_text(message)  # a URL with a password must never reach cron mail
    if _debug():
        click.echo(redact_text(_full_traceback(exc)), err=True)
    click.echo(f"GAGAL / FAILED: {message}", err=True)
    record.error = message
    return exit_code_for(exc)


def tell_incidents(record: RunRecord) -> bool:
    """Print the internal errors not yet told (traceback included) into stderr and the record.

    True when the run has met any internal error, told now or before.
    """
    for incident in incidents.collected():
        click.echo(f"{INTERNAL}:\n  {incident.where}\n{incident.traceback.rstrip()}", err=True)
        record.internal_errors.append(incident.to_json())
    incidents.clear()
    return bool(record.internal_errors)


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
