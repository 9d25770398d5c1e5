"""A large table's workbook made after a change in a child forked for it, while this process writes the rest.

After one new agency-month the indicators' workbook of a large city (414,000 rows, 1,617 chunks of a
271 MB sheet) is mostly the chunks published last copied as they were deflated, but the rows around
the changed ones are read back, renumbered where they moved and compressed again: about half a second
of one core, the largest part of the data files, while the other core had little to do (the side
child's folders are staged by then; only the threads writing the CSV and JSON run there). So, once the
table's rows are matched with those published last (``row_reuse.Encoder``) and before its CSV and JSON
threads start, a child is forked (``runner/isolate.start``) that writes the workbook into the staging
folder as this process would have (``table_files._write_xlsx``) and answers with what the table's row
index records of it (``workbook_child.Sheet``); this process writes the CSV, JSON, the other tables and
``datapackage.zip`` meanwhile, and takes the answer when it records the table's index.

The child reads the rows published last from the files mapped and makes values only for the rows
changed, so few of the pages it shares with this process are copied; its collector is off for the same
reason. An error the child meets (a formula in a cell, a full disk) is raised here as it was raised
there; a child killed fails the run like any stage's child (the output stays as it was); this process
failing kills and reaps it before the staging folder is removed. A first publish is unchanged: its
workbook, made whole, is offered to the side child instead (``workbook_child.py``).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable

from pipeline.core.errors import PublishError
from pipeline.publish import workbook_child
from pipeline.publish.row_reuse import Indexes
from pipeline.runner import isolate

# Off: every workbook made in this process, as before (tests compare both; a platform without fork).
FORK = hasattr(os, "fork")


def wanted(name: str, rows: int, indexes: Indexes | None) -> bool:
    """Whether table ``name`` of ``rows`` rows would have its workbook made in a forked child: a large table
    (``workbook_child.FORK_ROWS``) with a row index published last (its rows are mostly taken back)."""
    return FORK and workbook_child.wanted(rows) and indexes is not None and indexes.folder is not None \
        and (indexes.folder / f"{name}.idx").is_file()


def start(make: Callable[[], workbook_child.Sheet]) -> isolate.Child[workbook_child.Sheet]:
    """Fork a child that runs ``make`` (collector off) and answers with what it returns (``Child.result``;
    ``Child.stop`` kills it)."""
    return isolate.start("publish (workbook)", lambda: _collector_off(make), died=PublishError)


def _collector_off(make: Callable[[], workbook_child.Sheet]) -> workbook_child.Sheet:
    """``make()`` with the cycle collector off: a collection writes to every object it walks, which would copy
    the pages the child shares with its parent (the child lives for a second)."""
    gc.disable()
    return make()
