"""Validation stage: judge every submitted file against the contract.

``validate_datasets(portal, previous_agenda_ids=None) -> list[FileReport]`` is the
stage's one entry point (see ``pipeline.validate.run``).
"""

from pipeline.validate.run import validate_datasets

__all__ = ["validate_datasets"]
