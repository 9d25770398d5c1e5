"""Failures of the machine (not problems in data); ``pipeline.runner.exitcodes`` maps each to its exit code."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every failure the CLI turns into a clean message and an exit code."""


class ConfigError(PipelineError):
    """A broken portal.toml, schema or reference table; carries every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"- {p}" for p in self.problems))


class PublishError(PipelineError):
    """Publishing could not complete; the previous output is left as it was."""


class SiteError(PipelineError):
    """The site build could not complete; the previous site is left as it was."""


class PushError(PipelineError):
    """The CKAN push could not complete; the next push will finish it."""


class BusyError(PipelineError):
    """Another run holds the output folder's lock; this one changed nothing."""
