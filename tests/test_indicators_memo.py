"""Indicators kept from the last run (evaluation/memo.py): equal to computing them afresh after
any change, and computed again only for the selections that read what changed."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Targets
from pipeline.publish.evaluation import table as indicators
from pipeline.publish.evaluation.memo import Memo
from tests.test_indicators import AS_OF, CHANGELOG, world

Tables = dict[str, list[dict[str, Any]]]


def _run(tables: Tables, path: Path, computed: list[tuple[str, str]], as_of: date = AS_OF,
         targets: Targets | None = None, changelog: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Indicators with the memo at ``path`` (saved afterwards); ``computed`` gets each selection computed."""
    computed.clear()
    memo = Memo(path, indicators.KEPT)
    out = indicators.indicator_records(tables, as_of, 10, targets or Targets(),
                                       CHANGELOG if changelog is None else changelog, memo)
    memo.save()
    return out


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(scope, period) of every selection whose rows were computed rather than read from the memo."""
    seen: list[tuple[str, str]] = []
    real = indicators._selection_rows

    def counted(sel: Any, *args: Any) -> list[dict[str, Any]]:
        seen.append((sel.scope, sel.period))
        return real(sel, *args)

    monkeypatch.setattr(indicators, "_selection_rows", counted)
    return seen


def test_second_run_reads_every_selection_and_equals_the_first(tmp_path: Path, computed: list) -> None:
    """Same tables: no selection computed, the same rows (values, types and order) as without a memo."""
    fresh = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG)
    first = _run(world(), tmp_path / "memo.json", computed)
    assert first == fresh and computed  # the first run computed everything
    second = _run(world(), tmp_path / "memo.json", computed)
    assert computed == []
    assert second == fresh
    # Exact decimals come back with their digits and type (1.50 is not 1.5; a count stays an int).
    assert [(type(r["value"]), str(r["value"])) for r in second] == [(type(r["value"]), str(r["value"])) for r in fresh]


def _performance(t: Tables) -> None:
    next(r for r in t["performance"] if (r["period"], r["agency_code"]) == ("2026-08", "bank-b"))[
        "applications_completed"] = 39


def _meeting_elsewhere(t: Tables) -> None:
    # ngo-c's meeting of September: dinas-a was invited, so dinas-a's own indicators change too.
    next(r for r in t["agendas"] if r["agenda_id"] == "A3")["attendees"] = "ngo-c;bank-b;dinas-a"


def _history(t: Tables) -> None:
    # ngo-c's decision D2 reports a new step in August (it repeated July's before).
    next(r for r in t["decision_history"] if (r["decision_id"], r["period"]) == ("D2", "2026-08"))[
        "follow_up"] = "Rapat lanjutan"


def _submission(t: Tables) -> None:
    next(r for r in t["submissions"] if (r["period"], r["agency_code"], r["table"])
         == ("2026-10", "ngo-c", "decisions"))["on_time"] = False


def _agency(t: Tables) -> None:
    # old-d sent nothing: whether it is inactive or owes nothing changes the gaps of its scopes.
    next(r for r in t["agencies"] if r["agency_code"] == "old-d")["active"] = True


@pytest.mark.parametrize("change", [_performance, _meeting_elsewhere, _history, _submission, _agency])
def test_after_a_change_the_memo_gives_what_a_fresh_computation_gives(
        tmp_path: Path, computed: list, change: Callable[[Tables], None]) -> None:
    """Each slice a selection reads is in its key: a changed one is computed again, never taken stale."""
    _run(world(), tmp_path / "memo.json", computed)
    tables = copy.deepcopy(world())
    change(tables)
    fresh = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG)
    assert fresh != indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG)  # the change shows
    assert _run(tables, tmp_path / "memo.json", computed) == fresh
    assert computed


def test_settings_and_the_log_are_inputs(tmp_path: Path, computed: list) -> None:
    """Targets, the day stocks are taken and the change log's first verdicts change the rows they feed."""
    path = tmp_path / "memo.json"
    _run(world(), path, computed)
    strict = Targets(target_files_on_time_percent=95.0)
    assert _run(world(), path, computed, targets=strict) == \
        indicators.indicator_records(world(), AS_OF, 10, strict, CHANGELOG)
    later = date(2026, 11, 29)
    assert _run(world(), path, computed, as_of=later) == \
        indicators.indicator_records(world(), later, 10, Targets(), CHANGELOG)
    assert _run(world(), path, computed, changelog=CHANGELOG[:1]) == \
        indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG[:1])


def test_only_the_selections_reading_a_changed_month_of_an_agency_are_computed(tmp_path: Path,
                                                                                computed: list) -> None:
    """bank-b's performance of August changes: its scopes (the mall, its sector, itself, its service) over
    the labels holding August (the month, the third quarter, the year) are computed; nothing else."""
    _run(world(), tmp_path / "memo.json", computed)
    tables = copy.deepcopy(world())
    _performance(tables)
    _run(tables, tmp_path / "memo.json", computed)
    scopes = ("mall", "state-enterprise", "bank-b", "bank-b-svc")
    assert sorted(computed) == sorted((s, p) for s in scopes for p in ("2026-08", "2026-Q3", "2026"))


def test_an_unreadable_or_foreign_memo_is_ignored(tmp_path: Path, computed: list) -> None:
    """A damaged file, or one written with other columns, computes every selection (never a wrong row)."""
    path = tmp_path / "memo.json"
    fresh = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG)
    path.write_text("{not json", encoding="utf-8")
    assert _run(world(), path, computed) == fresh and computed
    header, _, body = path.read_text(encoding="utf-8").partition("\n")
    kept = json.loads(header)
    assert kept["fields"] == list(indicators.KEPT) and body.count("\n") > 1
    kept["fields"] = kept["fields"][::-1]
    path.write_text(json.dumps(kept) + "\n" + body, encoding="utf-8")
    computed.clear()
    assert _run(world(), path, computed) == fresh and computed
    # One damaged line: that selection alone is computed again; the others are read.
    _run(world(), path, computed)
    lines = path.read_text(encoding="utf-8").split("\n")
    key, _, rows = lines[1].partition("\t")
    lines[1] = key + "\t" + rows[: len(rows) // 2]
    path.write_text("\n".join(lines), encoding="utf-8")
    computed.clear()
    assert _run(world(), path, computed) == fresh and len(computed) == 1
    assert Decimal("1.50") == Decimal("1.5")  # why the memo keeps a decimal's text, not its value


class _Unread(dict):  # type: ignore[type-arg]
    """A slice of the evidence that must not be read: any lookup fails the test."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a slice left out of this scope's key was read")

    get = __getitem__ = __iter__ = __contains__ = items = keys = values = _refuse  # type: ignore[assignment]


def test_a_scope_reads_only_the_slices_its_key_holds() -> None:
    """Each scope type's indicators are computed with the slices its key leaves out made unreadable:
    a key that left out a slice its indicators read would give stale rows, so it fails here."""
    from pipeline.publish.evaluation.evidence import Evidence, Selection
    from pipeline.publish.evaluation.memo import SLICES_READ

    tables = world()
    months = ("2026-07", "2026-08", "2026-09")
    for scope_type, scope, agencies, services in indicators._scopes(tables["agencies"], tables["performance"]):
        ev = Evidence(tables, AS_OF, Targets(), CHANGELOG)
        reads = SLICES_READ[scope_type]
        if "meetings" not in reads:
            ev.agendas_by_month = _Unread()
        if "decisions" not in reads:
            ev.decisions, ev.history = _Unread(), _Unread()
        sel = Selection(scope_type, scope, agencies, "2026-Q3", months, date(2026, 9, 30), services)
        assert indicators._selection_rows(sel, True, ev, Targets())
    assert SLICES_READ["service"] == frozenset()  # the case this guards: services skip both


def test_a_new_meeting_or_decision_report_leaves_the_services_rows_alone(tmp_path: Path, computed: list) -> None:
    """A meeting's attendance or a decision's step changes: no service scope is computed again."""
    _run(world(), tmp_path / "memo.json", computed)
    tables = copy.deepcopy(world())
    _meeting_elsewhere(tables)
    _history(tables)
    fresh = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG)
    assert _run(tables, tmp_path / "memo.json", computed) == fresh
    assert computed and not [scope for scope, _ in computed if scope.endswith("-svc")]
