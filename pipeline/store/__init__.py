"""The accepted store: every received file version kept, its receipt time, and what is published.

``Store`` (``pipeline.store.archive``) is the stage's entry point; its records are in
``pipeline.store.records`` and the intake log in ``pipeline.store.receipts``.
"""

from pipeline.store.archive import Store, Writing, previous_agenda_lookup, reports_json
from pipeline.store.records import Changes, Version, report_record

__all__ = ["Changes", "Store", "Version", "Writing", "previous_agenda_lookup", "report_record",
           "reports_json"]
