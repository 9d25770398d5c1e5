"""Run one command: under the output folder's lock, logged in the run log, never with a stray traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from pipeline.core import incidents, timeline
from pipeline.core.errors import PipelineError
from pipeline.core.oserrors import describe
from pipeline.runner.exitcodes import EXIT_INTERNAL, EXIT_OK
from pipeline.runner.failures import tell_failure, tell_incidents
from pipeline.runner.lock import output_lock
from pipeline.runner.runlog import RUN_LOG, RunRecord, append_run

Body = Callable[[RunRecord], "int | None"]


def run_command(command: str, body: Body, output: Path | None = None) -> int:
    """Run a command body; its exit code.

    With ``output`` the body runs under the output folder's lock and the run is appended
    to the run log (a refused run too, without the lock); internal errors recorded on the
    way (a file whose judging crashed) turn the exit code into EXIT_INTERNAL at the end.
    Without ``output`` (validate: read-only) there is neither lock nor log.
    """
    timeline.start()  # (off when its file cannot be written: before any child is forked)
    with timeline.span(f"command: {command}"):
        return _run_command(command, body, output)


def _run_command(command: str, body: Body, output: Path | None) -> int:
    """``run_command``'s work."""
    record = RunRecord(command, datetime.now().astimezone())
    incidents.clear()
    if output is None:
        return _finish(_outcome(lambda: body(record), record), record)
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
    return code


def _outcome(action: Callable[[], int | None], record: RunRecord) -> int:
    """Run ``action``; a failure becomes its message on stderr and its exit code, never a traceback."""
    try:
        return action() or EXIT_OK
    except PipelineError as exc:
        return tell_failure(exc, str(exc), record)
    except OSError as exc:
        return tell_failure(exc, describe(exc), record)
    except Exception as exc:  # noqa: BLE001 - a bug: reported as one, at the end of the command
        incidents.record(f"{record.command}: {type(exc).__name__}: {exc}", exc)
        return EXIT_INTERNAL


def _finish(code: int, record: RunRecord) -> int:
    """The final exit code, once the internal errors met on the way are told."""
    return EXIT_INTERNAL if tell_incidents(record) else code


def _log(output: Path, record: RunRecord, code: int) -> None:
    """Append the run to the run log; when that fails, say so without changing the exit code."""
    record.exit_code = code
    record.finished = datetime.now().astimezone()
    try:
        append_run(output, record.to_json())
    except OSError as exc:
        click.echo(f"PERINGATAN / WARNING: {RUN_LOG}: {describe(exc)}", err=True)
