"""Internal errors met during a run (bugs in the pipeline), kept for the end of the command.

A file whose judging crashed is isolated (its report says ``internal-error``) and the run
goes on; the traceback is collected here so that the CLI can print it on stderr, write it
to the run log and exit with the internal-error code once everything else is published.
The traceback never goes into the reports or pages, which are public.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

_found: list[Incident] = []


@dataclass(frozen=True)
class Incident:
    """Where an internal error happened and its traceback."""

    where: str
    traceback: str

    def to_json(self) -> dict[str, str]:
        """The run log's record of it."""
        return {"where": self.where, "traceback": self.traceback}


def record(where: str, exc: BaseException) -> Incident:
    """Keep an unexpected exception (with its traceback) for the end of the command."""
    incident = Incident(where, "".join(traceback.format_exception(exc)))
    _found.append(incident)
    return incident


def keep(incident: Incident) -> None:
    """Keep an incident recorded elsewhere (in a stage's child process: pipeline.runner.isolate)."""
    _found.append(incident)


def collected() -> list[Incident]:
    """The internal errors recorded since the last ``clear``."""
    return list(_found)


def clear() -> None:
    """Forget the recorded internal errors (at the start of a command)."""
    _found.clear()
