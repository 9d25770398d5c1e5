"""Indicators kept from the last run (evaluation/memo.py): equal to computing them afresh after
any change, and computed again only for the selections that read what changed."""

from __future__ import annotations

import copy
import errno
import json
import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.core.config import Targets
from pipeline.publish.evaluation import memo as memo_module
from pipeline.publish.evaluation import table as indicators
from pipeline.publish.evaluation.memo import Memo
from pipeline.publish.row_batches import row_values
from pipeline.publish.row_reuse import Digested, Encoder, value_digests
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
    _memo_follows(tmp_path, computed, change)
    assert computed


def _memo_follows(tmp_path: Path, computed: list, change: Callable[[Tables], None]) -> None:
    """After ``change``, the memo (filled from the unchanged world) gives what a fresh computation gives."""
    _run(world(), tmp_path / "memo.json", computed)
    tables = copy.deepcopy(world())
    change(tables)
    fresh = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG)
    assert fresh != indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG)  # the change shows
    assert _run(tables, tmp_path / "memo.json", computed) == fresh


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


def test_the_rows_come_with_the_digests_the_table_writer_would_make(tmp_path: Path, computed: list) -> None:
    """Computed or read back from the memo, each row's digest is ``value_digests`` of its values in the
    published order (the data files find the rows published last by it); a line whose digests do not
    match its rows' count is computed again."""
    path = tmp_path / "memo.json"
    for _ in range(2):  # computed, then every selection read back
        out = _run(world(), path, computed)
        assert isinstance(out, Digested) and out.fields == indicators.FIELDS
        assert out.digests == value_digests(indicators.FIELDS, row_values(indicators.FIELDS, list(out)))
        # The table writer takes the digests as they are, and the values of the rows it asks for.
        encoder = Encoder(indicators.FIELDS, out, None)
        assert encoder.digests is out.digests
        assert encoder.values[2:5] == row_values(indicators.FIELDS, list(out)[2:5]) and len(encoder.values) == len(out)
    assert computed == []
    lines = path.read_text(encoding="utf-8").split("\n")
    key, hexed, rows = lines[1].split("\t")
    lines[1] = "\t".join((key, hexed[:-32], rows))  # one row's digest short
    path.write_text("\n".join(lines), encoding="utf-8")
    out = _run(world(), path, computed)
    assert len(computed) == 1
    assert out.digests == value_digests(indicators.FIELDS, row_values(indicators.FIELDS, list(out)))
    # Records of other fields are hashed by the writer.
    assert Encoder(indicators.FIELDS[::-1], out, None).digests == value_digests(
        indicators.FIELDS[::-1], row_values(indicators.FIELDS[::-1], list(out)))


def test_computed_digests_are_made_when_the_writer_asks_or_the_memo_is_saved(tmp_path: Path, computed: list) -> None:
    """A first run hashes no row while the table is built: the digests are made when the table's writer
    asks for them (then handed to the memo), or when the memo is saved; the file is the same either way,
    and a line whose digests were never given is computed again, not trusted."""
    hashed: list[int] = []
    real = indicators.value_digests

    def counted(names: Any, values: Any) -> list[bytes]:
        hashed.append(len(values))
        return real(names, values)

    files = []
    for asked in (True, False):
        path = tmp_path / f"memo-{asked}.tsv"
        memo = Memo(path, indicators.KEPT)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(indicators, "value_digests", counted)
            out = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG, memo)
            assert hashed == [] and memo.batches == []  # nothing hashed with the table
            if asked:
                assert Encoder(indicators.FIELDS, out, None).digests == value_digests(
                    indicators.FIELDS, row_values(indicators.FIELDS, list(out)))
                assert hashed == [len(out)] and memo.later is None
            memo.save()
            assert hashed == [len(out)]  # once, whoever asked first
        hashed.clear()
        files.append(path.read_bytes())
    assert files[0] == files[1]
    # Never given (the writer did not ask and nothing made them): the lines hold no digests, read as damaged.
    path = tmp_path / "memo.tsv"
    memo = Memo(path, indicators.KEPT)
    fresh = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG, memo)
    memo.later = None
    memo.save()
    assert all(line.split("\t")[1] == "" for line in path.read_text(encoding="utf-8").splitlines()[1:])
    computed.clear()
    assert _run(world(), path, computed) == fresh and len(computed) == path.read_text().count("\n") - 1
    computed.clear()
    assert _run(world(), path, computed) == fresh and computed == []


@pytest.mark.parametrize("fails_after", [None, 0, 3])
def test_computed_rows_wait_in_an_unnamed_file_until_saved(tmp_path: Path, computed: list,
                                                           monkeypatch: pytest.MonkeyPatch, fails_after: int | None) -> None:
    """The rows a run computes are written out as they are put (the memo holds where, not the text) and
    read back into the memo's file when it is saved (a small change: appended in key order). When the
    file cannot be written (a full disk: at once, or after a few blocks) the rest stays in memory and the
    memo's file is the same."""
    path = tmp_path / "memo.tsv"
    _run(world(), path, computed)
    first = path.read_bytes()
    monkeypatch.setattr(memo_module, "SPILL_BLOCK", 1)  # every piece written out as it comes
    writes = []
    real = os.pwrite

    def pwrite(fd: int, data: Any, offset: int) -> int:
        if fails_after is not None and len(writes) >= fails_after:
            raise OSError(errno.ENOSPC, "No space left on device")
        writes.append(offset)
        return real(fd, data, offset)

    monkeypatch.setattr(memo_module.os, "pwrite", pwrite)
    tables = copy.deepcopy(world())
    _performance(tables)
    computed.clear()
    memo = Memo(path, indicators.KEPT)
    out = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG, memo)
    assert computed and memo.spill is not None and isinstance(memo.spill.name, int)  # unnamed: a descriptor
    spilled = [entry[1] for entry in memo.new.values() if entry is not memo_module.AS_READ]  # (found: as read)
    assert sorted(spilled) == list(range(len(computed)))  # every computed selection's rows, none held as text
    assert memo.spilling == (fails_after is None)
    assert len(writes) == (len(computed) if fails_after is None else fails_after)
    memo.save()
    assert memo.spill.closed
    saved = path.read_bytes()
    added = saved[len(first):].split(b"\n")[:-1]
    assert saved.startswith(first) and added == sorted(added) and len(added) == len(computed)
    computed.clear()
    assert _run(tables, path, computed) == out and computed == []
    if fails_after is not None:  # the same file as written out whole
        monkeypatch.setattr(memo_module.os, "pwrite", real)
        kept = path.read_bytes()
        path.write_bytes(first)
        _run(tables, path, computed)
        assert path.read_bytes() == kept


def test_rows_read_from_the_memo_are_decoded_only_when_asked_for(tmp_path: Path, computed: list) -> None:
    """A selection's line is decoded when one of its rows is read; one that no longer reads back is then
    computed again (its digests, kept under the same key, name the rows computed)."""
    path = tmp_path / "memo.json"
    fresh = _run(world(), path, computed)
    memo = Memo(path, indicators.KEPT)
    decoded: list[bytes] = []
    real = memo.rows
    memo.rows = lambda text: decoded.append(text) or real(text)  # type: ignore[method-assign]
    out = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG, memo)
    assert decoded == [] and len(out) == len(fresh) and out.digests == fresh.digests
    assert out[0] == fresh[0] and len(decoded) == 1
    # Every line damaged after it was found: each selection is computed when its rows are read.
    computed.clear()
    memo = Memo(path, indicators.KEPT)
    memo.rows = lambda text: None  # type: ignore[method-assign]
    out = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG, memo)
    assert computed == [] and out.digests == fresh.digests  # nothing computed before a row is read
    assert out == fresh
    assert computed  # each selection computed as its rows were read


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


def _due_date(t: Tables) -> None:
    # D1's latest report moves its due date into July: July's rows change though no July report did.
    next(r for r in t["decisions"] if r["decision_id"] == "D1")["due_date"] = date(2026, 7, 20)


def _dated_before_reported(t: Tables) -> None:
    # A decision dated in July, first reported in October: July's count of decisions made changes.
    t["decisions"].append({"agency_code": "ngo-c", "decision_id": "D5", "date": date(2026, 7, 3),
                           "due_date": date(2026, 11, 30), "status": "open"})
    t["decision_history"].append({"agency_code": "ngo-c", "decision_id": "D5", "period": "2026-10",
                                  "status": "open", "follow_up": "Rencana", "completed_on": None})


def _invited_only(t: Tables) -> None:
    # bank-b is invited to dinas-a's July meeting, which it neither organised nor attended.
    next(r for r in t["agendas"] if r["agenda_id"] == "A1")["participants"] = "ngo-c;bank-b"


@pytest.mark.parametrize("change", [_due_date, _dated_before_reported, _invited_only])
def test_a_change_outside_the_selections_own_month_or_agency_is_still_seen(
        tmp_path: Path, computed: list, change: Callable[[Tables], None]) -> None:
    """The finer slices (a decision as reported by a month, the meetings an agency took part in)
    still hold what a selection reads: a decision's dates from a later report, a decision dated
    before it was first reported, an invitation to another agency's meeting."""
    _memo_follows(tmp_path, computed, change)


def _mutations() -> list[tuple[str, int, str, Any]]:
    """(table, row, field, new value): every field the collaboration and accountability indicators read,
    changed in every row of the small world."""
    out: list[tuple[str, int, str, Any]] = []
    tables = world()
    for at, row in enumerate(tables["agendas"]):
        out += [("agendas", at, "date", date(2026, 10, 2) if row["date"].month != 10 else date(2026, 7, 2)),
                ("agendas", at, "status", "held" if row["status"] != "held" else "cancelled"),
                ("agendas", at, "type", "dialogue" if row["type"] != "dialogue" else "outreach"),
                ("agendas", at, "participants", "bank-b" if row["participants"] != "bank-b" else "ngo-c"),
                ("agendas", at, "attendees", None if row["attendees"] else "dinas-a;bank-b"),
                ("agendas", at, "agency_code", "bank-b" if row["agency_code"] != "bank-b" else "ngo-c")]
    for at, row in enumerate(tables["decision_history"]):
        out += [("decision_history", at, "status", "open" if row["status"] != "open" else "done"),
                ("decision_history", at, "follow_up", row["follow_up"] + " lagi"),
                ("decision_history", at, "completed_on", date(2026, 9, 1) if row["completed_on"] is None else None)]
    for at in range(len(tables["decisions"])):
        out += [("decisions", at, "date", date(2026, 10, 1)), ("decisions", at, "due_date", date(2026, 7, 5))]
    return out


def test_any_change_of_a_meeting_or_decision_gives_what_a_fresh_computation_gives(tmp_path: Path,
                                                                                   computed: list) -> None:
    """Every field of every meeting and decision row the indicators read, changed one at a time after a
    run that kept every selection: the next run equals computing afresh (no stale row is taken)."""
    path = tmp_path / "memo.json"
    changed = 0
    for table, at, field, value in _mutations():
        _run(world(), path, computed)
        tables = copy.deepcopy(world())
        tables[table][at][field] = value
        fresh = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG)
        assert _run(tables, path, computed) == fresh, (table, at, field, value)
        changed += fresh != indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG)
    assert changed > 40  # most of the changes show in some row


def test_only_the_scopes_that_took_part_in_a_changed_meeting_are_computed(tmp_path: Path, computed: list) -> None:
    """dinas-a's July meeting with ngo-c changes: the mall, those two agencies and their sectors over the
    labels holding July are computed; bank-b, its sector and the services are not."""
    _run(world(), tmp_path / "memo.json", computed)
    tables = copy.deepcopy(world())
    next(r for r in tables["agendas"] if r["agenda_id"] == "A1")["attendees"] = "dinas-a"
    _run(tables, tmp_path / "memo.json", computed)
    scopes = ("mall", "regional-government", "non-government", "dinas-a", "ngo-c")
    assert sorted(computed) == sorted((s, p) for s in scopes for p in ("2026-07", "2026-Q3", "2026"))


def test_a_decision_report_of_a_later_month_leaves_the_earlier_selections_alone(tmp_path: Path,
                                                                                 computed: list) -> None:
    """dinas-a reports D1 again in October: only the selections ending in October (the month, the
    fourth quarter, the year) of the scopes holding dinas-a are computed, not July to September."""
    _run(world(), tmp_path / "memo.json", computed)
    tables = copy.deepcopy(world())
    tables["decision_history"].append({"agency_code": "dinas-a", "decision_id": "D1", "period": "2026-10",
                                       "status": "done", "follow_up": "Selesai lagi",
                                       "completed_on": date(2026, 10, 5)})
    tables["decision_history"].sort(key=lambda r: (r["agency_code"], r["decision_id"], r["period"]))
    fresh = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG)
    assert _run(tables, tmp_path / "memo.json", computed) == fresh
    scopes = ("mall", "regional-government", "dinas-a")
    assert sorted(computed) == sorted((s, p) for s in scopes for p in ("2026-10", "2026-Q4", "2026"))


def test_a_service_reads_only_the_performance_side_of_its_cells() -> None:
    """A service's key holds only its performance rows, its performance files' submission rows and whether
    performance data is published: with everything else of the cells taken away, its rows are the same."""
    from pipeline.publish.evaluation.evidence import Evidence, Selection

    tables = world()
    months = ("2026-07", "2026-08", "2026-09")
    for scope_type, scope, agencies, services in indicators._scopes(tables["agencies"], tables["performance"]):
        if scope_type != "service":
            continue
        sel = Selection(scope_type, scope, agencies, "2026-Q3", months, date(2026, 9, 30), services)
        full = indicators._selection_rows(sel, True, Evidence(tables, AS_OF, Targets(), CHANGELOG), Targets())
        ev = Evidence(tables, AS_OF, Targets(), CHANGELOG)
        ev.submissions = {k: [r for r in rows if r["table"] == "performance"] for k, rows in ev.submissions.items()}
        ev.published = {"performance": ev.published["performance"]}
        ev.rejected_first = frozenset()
        ev.agendas_by_month, ev.decisions, ev.history = _Unread(), _Unread(), _Unread()
        assert indicators._selection_rows(sel, True, ev, Targets()) == full


def test_lines_read_back_as_they_were_are_saved_as_the_files_own_bytes(tmp_path: Path) -> None:
    # Stretches of lines found as they were are written as views of the file read; the file saved is
    # the one written line by line: in key order, only the lines used, a damaged line left out.
    path = tmp_path / memo_module.FILE
    fields = list(indicators.KEPT)
    header = json.dumps({"format": memo_module.FORMAT, "fields": fields}, separators=(",", ":")).encode()

    def line(n: int, value: str) -> bytes:
        return b"%064x\t%s\t[[\"%s\",1,null,null,1,2,null,null,null]]" % (n, (b"%02x" % n) * 16, value.encode())

    lines = {n: line(n, f"v{n}") for n in range(1, 9)}
    lines[4] = b"%064x\tnot hex, damaged" % 4  # no second tab: never found, never written again
    path.write_bytes(header + b"\n" + b"\n".join(lines[n] for n in range(1, 9)))  # the last without its LF
    memo = Memo(path, fields)
    for n in (1, 2, 3, 5, 7, 8):  # 6 is not asked for: dropped
        assert memo.find("%064x" % n) is not None
    memo.put("%064x" % 7, [["w", 2, None, None, 1, 2, None, None, None]], [b"\x07" * 16])  # computed again
    memo.put("%064x" % 9, [["x", 3, None, None, 1, 2, None, None, None]], [b"\x09" * 16])  # new
    memo.put("%064x" % 0, [["y", 4, None, None, 1, 2, None, None, None]])  # its digests never given
    memo.save()

    def put(n: int, value: str, count: int, digests: bytes) -> bytes:
        return b"%064x\t%s\t[[\"%s\",%d,null,null,1,2,null,null,null]]\n" % (n, digests.hex().encode(), value.encode(),
                                                                            count)

    expected = (header + b"\n" + put(0, "y", 4, b"") + b"".join(lines[n] + b"\n" for n in (1, 2, 3, 5))
                + put(7, "w", 2, b"\x07" * 16) + lines[8] + b"\n" + put(9, "x", 3, b"\x09" * 16))
    assert path.read_bytes() == expected
    again = Memo(path, fields)  # and it reads back
    assert sorted(again.old) == ["%064x" % n for n in (0, 1, 2, 3, 5, 7, 8, 9)]
    assert again.rows(again.find("%064x" % 8)[1]) == [["v8", 1, None, None, 1, 2, None, None, None]]  # type: ignore[index]



def _memo_file(path: Path, count: int) -> tuple[list[str], bytes]:
    """A memo file of ``count`` lines (keys 1..count, each one row "v<n>"), in key order; its keys and header."""
    fields = list(indicators.KEPT)
    header = json.dumps({"format": memo_module.FORMAT, "fields": fields}, separators=(",", ":")).encode()
    keys = ["%064x" % n for n in range(1, count + 1)]
    path.write_bytes(header + b"\n" + b"".join(_memo_line(key, f"v{int(key, 16)}") for key in keys))
    return keys, header


def _memo_line(key: str, value: str) -> bytes:
    """One memo line: the key, a digest of its one row, the row."""
    return b"%s\t%s\t[[\"%s\",1,null,null,1,2,null,null,null]]\n" % (key.encode(), b"ab" * 16, value.encode())


def _one_row(value: str) -> list[list[Any]]:
    return [[value, 1, None, None, 1, 2, None, None, None]]


def test_a_small_change_appends_its_lines_and_the_last_line_of_a_key_holds(tmp_path: Path) -> None:
    """A run that computes few selections appends their lines to the file as read (not written again); a key
    computed again (its line unreadable) reads back from its last line."""
    path = tmp_path / memo_module.FILE
    keys, _ = _memo_file(path, 16)
    before = path.read_bytes()
    inode = path.stat().st_ino
    memo = Memo(path, list(indicators.KEPT))
    for key in keys[:15]:  # the 16th is no longer used: one stale line of 17, kept
        assert memo.find(key) is not None
    memo.put(keys[3], _one_row("again"), [b"\xab" * 16])  # computed again (as when its rows did not decode)
    new = "%064x" % 99
    memo.put(new, _one_row("new"), [b"\xab" * 16])
    memo.save()
    assert path.stat().st_ino == inode  # appended, not replaced
    assert path.read_bytes() == before + _memo_line(keys[3], "again") + _memo_line(new, "new")
    again = Memo(path, list(indicators.KEPT))
    assert sorted(again.old) == sorted([*keys, new])
    for key, value in ((keys[3], "again"), (new, "new"), (keys[0], "v1"), (keys[15], "v16")):
        found = again.find(key)
        assert found is not None and again.rows(found[1]) == _one_row(value)


def test_a_memo_with_many_unused_lines_is_written_whole_in_key_order(tmp_path: Path) -> None:
    """Once more than an eighth of the lines would be of keys no longer used, the file is written again with only
    the lines used, in key order; likewise when the file changed since it was read."""
    path = tmp_path / memo_module.FILE
    keys, header = _memo_file(path, 16)
    memo = Memo(path, list(indicators.KEPT))
    for key in keys[2:15]:  # 3 unused lines of 17
        assert memo.find(key) is not None
    memo.put("%064x" % 0, _one_row("first"), [b"\xab" * 16])
    memo.save()
    assert path.read_bytes() == header + b"\n" + _memo_line("%064x" % 0, "first") + b"".join(
        _memo_line(key, f"v{n}") for n, key in enumerate(keys, 1) if 3 <= n <= 15)
    memo = Memo(path, list(indicators.KEPT))
    for key in memo.old:
        assert memo.find(key) is not None
    memo.put("%064x" % 99, _one_row("new"), [b"\xab" * 16])
    with path.open("ab") as fh:  # changed since it was read: not the file this run read
        fh.write(_memo_line("%064x" % 98, "other"))
    memo.save()
    assert sorted(Memo(path, list(indicators.KEPT)).old) == sorted(["%064x" % 0, *keys[2:15], "%064x" % 99])
    assert path.read_bytes().startswith(header + b"\n" + _memo_line("%064x" % 0, "first"))


def _cells(tables: Tables) -> list[tuple[str, str]]:
    """The (month, agency) of every performance row."""
    return sorted({(r["period"], r["agency_code"]) for r in tables["performance"]})


def test_the_digests_of_encoded_performance_rows_stand_for_the_rows(tmp_path: Path, computed: list) -> None:
    """Given the digest of the bytes each cell's performance rows were decoded from (``Store.rows_digest``), the
    memo keys those cells by it: the same digests read every selection back; a cell whose digest changed (its
    file's rows did) is computed again with the selections reading it, and equals a fresh computation; a cell
    given no digest (its rows hashed) is never taken for one that had one."""
    path = tmp_path / "memo.tsv"

    def run(tables: Tables, encoded: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
        computed.clear()
        memo = Memo(path, indicators.KEPT)
        out = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG, memo, encoded)
        memo.save()
        return out

    encoded = {cell: f"{n:064x}" for n, cell in enumerate(_cells(world()))}
    fresh = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG)
    assert run(world(), encoded) == fresh and computed
    assert run(world(), encoded) == fresh and computed == []
    tables = copy.deepcopy(world())
    _performance(tables)  # bank-b's August rows change, and so does the digest of their bytes
    changed = {**encoded, ("2026-08", "bank-b"): "f" * 64}
    fresh = indicators.indicator_records(tables, AS_OF, 10, Targets(), CHANGELOG)
    scopes = ("mall", "state-enterprise", "bank-b", "bank-b-svc")
    assert run(tables, changed) == fresh
    assert sorted(computed) == sorted((s, p) for s in scopes for p in ("2026-08", "2026-Q3", "2026"))
    hashed = {cell: d for cell, d in changed.items() if cell != ("2026-08", "bank-b")}
    assert run(tables, hashed) == fresh
    assert sorted(computed) == sorted((s, p) for s in scopes for p in ("2026-08", "2026-Q3", "2026"))


def test_a_line_whose_digests_do_not_read_back_is_computed_alone_and_the_rest_kept(tmp_path: Path,
                                                                                  computed: list) -> None:
    """The kept selections of a label are taken a stretch at a time; a line among them whose digests are not hex
    (or too short) is computed again, alone, and every other line is kept as the file holds it."""
    path = tmp_path / "memo.tsv"
    fresh = _run(world(), path, computed)
    before = path.read_bytes()
    lines = path.read_text(encoding="utf-8").split("\n")
    damaged = {}
    for at, cut in ((1, False), (len(lines) // 2, True)):
        key, digests, rows = lines[at].split("\t")
        damaged[key] = digests
        lines[at] = "\t".join((key, digests[:-2] if cut else "zz" + digests[2:], rows))
    path.write_text("\n".join(lines), encoding="utf-8")
    computed.clear()
    memo = Memo(path, indicators.KEPT)
    out = indicators.indicator_records(world(), AS_OF, 10, Targets(), CHANGELOG, memo)
    assert len(computed) == 2 and out.digests == fresh.digests and out == fresh
    assert set(memo.new) == {line.split("\t")[0] for line in before.decode("utf-8").split("\n")[1:] if line}
    assert all(memo.new[key] is not memo_module.AS_READ for key in damaged)  # computed anew, saved anew
    memo.save()
    computed.clear()
    assert _run(world(), path, computed) == fresh and computed == []
