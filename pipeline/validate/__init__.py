"""Validation stage: judge every submitted file against the contract.

``validate_datasets(portal, previous_agenda_ids=None) -> list[FileReport]`` is the
stage's entry point (see ``pipeline.validate.run``); ``load_reference`` gives later stages
the checked reference tables.
"""

from pipeline.validate.cache import ValidationCache
from pipeline.validate.reference import load_reference
from pipeline.validate.run import validate_datasets

__all__ = ["ValidationCache", "load_reference", "validate_datasets"]
