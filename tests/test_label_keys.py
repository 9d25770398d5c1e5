"""A label's selection keys kept by the label's digest (evaluation/label_keys.py): taken back only when every
slice the label's selections read is as it was, and then exactly the keys made afresh; a damaged, foreign or
stale file is a miss, never a wrong key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.core import periods
from pipeline.core.config import Targets
from pipeline.publish.evaluation import table as indicators
from pipeline.publish.evaluation.evidence import Evidence
from pipeline.publish.evaluation.label_keys import FILE, LabelKeys
from pipeline.publish.evaluation.memo import Slices
from tests.test_indicators import AS_OF, CHANGELOG, world
from tests.test_indicators_memo import _history, _meeting_elsewhere, _mutations, _performance

Tables = dict[str, list[dict[str, Any]]]


def _keys(tables: Tables, kept: LabelKeys | None, targets: Targets | None = None) -> list[list[str]]:
    """Every label's keys as ``indicator_records`` asks for them (the run's scopes, each label in turn)."""
    targets = targets or Targets()
    evidence = Evidence(tables, AS_OF, targets, CHANGELOG)
    slices = Slices(evidence, None, None, kept)
    scopes = indicators._scopes(tables["agencies"], tables["performance"])
    last = periods.last_closed(AS_OF, 10)
    months = sorted({r["period"] for r in tables["submissions"] if r["period"] <= last})
    closed = periods.span(months[0], last)
    out = []
    for label, complete in indicators._labels(closed):
        label_months = tuple(m for m in periods.months_of(label) if m in set(closed))
        end = min(periods.last_day(label_months[-1]), AS_OF)
        out.append(slices.keys(scopes, label, label_months, end, complete, targets))
    return out


def _kept(path: Path, tables: Tables) -> list[list[str]]:
    """The keys with the labels kept at ``path`` (saved again afterwards, as a run does)."""
    kept = LabelKeys(path)
    keys = _keys(tables, kept)
    kept.save()
    return keys


def _hits(path: Path, tables: Tables) -> int:
    """How many labels' keys are taken back from ``path`` (not saved)."""
    kept = LabelKeys(path)
    found = 0
    real = kept.find

    def counted(digest: str, count: int) -> list[str] | None:
        nonlocal found
        keys = real(digest, count)
        found += keys is not None
        return keys

    kept.find = counted  # type: ignore[method-assign]
    _keys(tables, kept)
    return found


def test_a_second_run_takes_every_labels_keys_back_equal_to_those_made(tmp_path: Path) -> None:
    """Same tables: each label's keys are taken back (the services' and the other scopes'), and they are the
    keys made without the file."""
    path = tmp_path / FILE
    fresh = _keys(world(), None)
    assert _kept(path, world()) == fresh
    assert _hits(path, world()) == 2 * len(fresh)
    assert _kept(path, world()) == fresh


@pytest.mark.parametrize("change", [_performance, _meeting_elsewhere])
def test_a_change_makes_the_keys_of_the_labels_reading_it_again(tmp_path: Path, change: Any) -> None:
    """A changed performance row or meeting: the labels holding its month are made again (their keys those
    made afresh), the others taken back."""
    path = tmp_path / FILE
    _kept(path, world())
    tables = copy.deepcopy(world())
    change(tables)
    fresh = _keys(tables, None)
    assert fresh != _keys(world(), None)
    hits = _hits(path, tables)
    assert 0 < hits < 2 * len(fresh)
    assert _kept(path, tables) == fresh


def test_a_decision_report_leaves_every_services_keys_kept(tmp_path: Path) -> None:
    """A decision's new step: the labels holding its month make the other scopes' keys again, never the
    services' (which read no decision); every key is the one made afresh."""
    path = tmp_path / FILE
    _kept(path, world())
    tables = copy.deepcopy(world())
    _history(tables)
    fresh = _keys(tables, None)
    labels = len(fresh)
    assert labels < _hits(path, tables) < 2 * labels
    kept = LabelKeys(path)
    missed: list[int] = []
    real = kept.find

    def found(digest: str, count: int) -> list[str] | None:
        keys = real(digest, count)
        if keys is None:
            missed.append(count)
        return keys

    kept.find = found  # type: ignore[method-assign]
    assert _keys(tables, kept) == fresh
    services = sum(scope[0] == "service" for scope in indicators._scopes(tables["agencies"], tables["performance"]))
    assert missed and services not in missed


def test_any_change_of_a_meeting_or_decision_gives_the_keys_made_afresh(tmp_path: Path) -> None:
    """Every field of every meeting and decision row the indicators read, changed one at a time after a run
    that kept every label: the keys taken back or made are those made without the file."""
    path = tmp_path / FILE
    for table, at, field, value in _mutations():
        _kept(path, world())
        tables = copy.deepcopy(world())
        tables[table][at][field] = value
        assert _kept(path, tables) == _keys(tables, None), (table, at, field, value)


def test_the_agencies_table_and_the_targets_are_in_every_labels_digest(tmp_path: Path) -> None:
    """An agency moved to another sector, or other targets: no label's keys are taken back."""
    path = tmp_path / FILE
    _kept(path, world())
    tables = copy.deepcopy(world())
    tables["agencies"][0]["sector"] = "other-sector"
    assert _hits(path, tables) == 0
    assert _kept(path, tables) == _keys(tables, None)
    kept = LabelKeys(path)
    strict = Targets(target_files_on_time_percent=95.0)
    assert _keys(tables, kept, strict) == _keys(tables, None, strict)
    assert not kept.new.keys() & kept.old.keys()  # nothing taken back


def test_a_damaged_or_foreign_file_is_a_miss(tmp_path: Path) -> None:
    """A line whose keys do not match its check, a cut line, another code's or an unreadable file: the keys
    are made again (and equal those made afresh), never taken from it."""
    path = tmp_path / FILE
    fresh = _keys(world(), None)
    _kept(path, world())
    header, *lines = path.read_bytes().split(b"\n")
    damaged = bytearray(lines[0])
    damaged[-1] = ord("0") if damaged[-1] != ord("0") else ord("1")  # one hex digit of the last key
    cut = lines[1][: len(lines[1]) - 64]  # one key short
    path.write_bytes(b"\n".join([header, bytes(damaged), cut, *lines[2:]]))
    assert _hits(path, world()) == 2 * len(fresh) - 2
    assert _kept(path, world()) == fresh
    other = json.loads(header)
    other["code"] = "0" * 64
    path.write_bytes(b"\n".join([json.dumps(other).encode(), *path.read_bytes().split(b"\n")[1:]]))
    assert _hits(path, world()) == 0
    path.write_bytes(b"{not json")
    assert _kept(path, world()) == fresh
    path.unlink()
    assert _kept(path, world()) == fresh and path.is_file()
