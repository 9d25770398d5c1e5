"""Where each feedback page lies under <output>/feedback/: the rule the publish stage writes by and the site links by.

Every row of the submissions table has its agency's month page; a file that was received
(not ``missing``) also has a page of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

INDEX = "index.html"
FileKey = tuple[str, str, str]  # (period, agency, table)
MonthKey = tuple[str, str]  # (period, agency)


def month_page(period: str, agency: str) -> str:
    """The page of an agency's month (its three files)."""
    return f"{period}/{agency}/{INDEX}"


def file_page(period: str, agency: str, table: str) -> str:
    """The page of one received file."""
    return f"{period}/{agency}/{table}.html"


def feedback_pages(rows: Iterable[tuple[str, str, str, str]]) -> tuple[dict[FileKey, str], dict[MonthKey, str]]:
    """The file pages and the month pages of the submissions rows given as (period, agency, table, status)."""
    files: dict[FileKey, str] = {}
    months: dict[MonthKey, str] = {}
    for period, agency, table, status in rows:
        months[(period, agency)] = month_page(period, agency)
        if status != "missing":
            files[(period, agency, table)] = file_page(period, agency, table)
    return files, months
