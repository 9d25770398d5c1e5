"""Values the contract allows at its edges, one protection each (the property test finds them together)."""

from __future__ import annotations

import io
import math
from datetime import date, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl

from pipeline.core import periods
from pipeline.core.formatting import Formatter
from pipeline.publish.table_files import xlsx_bytes
from pipeline.site.casting import _number
from pipeline.site.charts import Series, line_chart
from pipeline.site.feeds import _midnight
from pipeline.site.models import Agenda, Perf
from pipeline.site.stats import round2, share, totals
from pipeline.site.views import agendas_sorted

HUGE = 10**400


def _agenda(agenda_id: str, start: time | None) -> Agenda:
    return Agenda("dpmptsp", agenda_id, date(2026, 10, 14), start, None, agenda_id, "other", ("dpmptsp",),
                  None, "held", None, None, "2026-10")


def _perf(completed: int, avg_wait: float | int | None) -> Perf:
    return Perf("2026-10", "dpmptsp", "izin", completed, completed, completed, avg_wait, None, 1, HUGE, None,
                None, None, None, None)


def test_agendas_with_and_without_start_time_on_one_day_sort() -> None:
    ordered = agendas_sorted([_agenda("B", time(9)), _agenda("A", None), _agenda("C", time(0))], newest_first=False)
    assert [a.agenda_id for a in ordered] == ["A", "C", "B"]


def test_numbers_longer_than_babels_28_digits_are_formatted() -> None:
    assert Formatter("en").number(HUGE) == "10" + ",000" * 133
    assert Formatter("id").number(10**30, 1) == "1" + ".000" * 10 + ",0"
    assert Formatter("id").number(float("inf"), 1) == "∞"


def test_rounding_keeps_huge_and_infinite_values() -> None:
    assert round2(Decimal(10**40) + Decimal("0.005")) == Decimal(10**40) + Decimal("0.01")
    assert round2(float("inf")) == Decimal("Infinity")


def test_totals_of_counts_and_minutes_beyond_a_float() -> None:
    t = totals("2026-10", [_perf(HUGE, 12.5), _perf(3, math.inf)])
    assert t.completed == HUGE + 3 and t.avg_wait == math.inf
    assert share(t.complaints_resolved, t.complaints_received) == math.inf  # 2 × 10^400 resolved of 2
    assert totals("2026-10", [_perf(HUGE, 12.5)]).avg_wait == 12.5
    assert totals("2026-10", [_perf(1, HUGE)]).avg_wait == math.inf


def test_published_integers_are_read_exactly() -> None:
    assert _number("1" + "0" * 400) == HUGE and _number("12") == 12 and _number("12.5") == 12.5


def test_a_chart_leaves_a_gap_where_a_value_cannot_be_drawn() -> None:
    svg = str(line_chart("c", "t", ["a", "b", "c"], [Series("s", (1.0, float("inf"), 3.0))]))
    assert "nan" not in svg and "inf" not in svg
    assert svg.count("<circle") == 2


def test_xlsx_writes_figures_excel_cannot_hold_as_text() -> None:
    schema = {"name": "performance", "fields": [{"name": "n", "type": "integer"}, {"name": "w", "type": "number"}]}
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(schema, [{"n": HUGE, "w": Decimal("1E+400")},
                                                                  {"n": 7, "w": Decimal("12.5")}])))
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert rows == [("1" + "0" * 400, "1" + "0" * 400), (7, 12.5)]


def test_feed_times_have_whole_minute_offsets_for_old_dates() -> None:
    jakarta = ZoneInfo("Asia/Jakarta")
    assert _midnight(date(1900, 5, 1), jakarta).isoformat() == "1900-05-01T00:00:00+07:07"
    assert _midnight(date(2026, 5, 1), jakarta).isoformat() == "2026-05-01T00:00:00+07:00"


def test_the_deadline_of_9999_12_is_the_last_day_there_is() -> None:
    assert periods.deadline("9999-12", 10) == date.max
    assert periods.on_time("9999-12-31T10:00:00+07:00", "9999-12", 10, ZoneInfo("Asia/Jakarta"))
