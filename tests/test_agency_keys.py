"""Each agency's cross-rule context kept by digest (validate/agency_keys.py): an agency whose files and earlier
agendas are as last run takes its kept reports without working out each decisions file's agenda ids, and gives
exactly the reports a fresh judgement gives; any change to what it reads works them out again.

The mall is tools/bench's small generated town, published by the real command; validation then runs in this
process as ``publish`` runs it, a counter around ``_finish_agency`` telling which agencies were worked out.
"""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import pipeline.validate.run as validate_run
from pipeline.core.config import load_portal
from pipeline.core.models import FileReport
from pipeline.store import Store
from pipeline.validate import ValidationCache, validate_datasets
from pipeline.validate.agency_keys import FILE, AgencyKeys
from tests.town_support import Town, publish, published_town
from tools.bench import city


@pytest.fixture()
def mall(tmp_path: Path) -> Town:
    """The small town, generated and published once."""
    return published_town(tmp_path)


def _validate(datasets: Path, output: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[FileReport], list[str]]:
    """The validate stage as publish runs it (with the agencies' keys); the reports and the agencies worked out."""
    worked: list[str] = []
    real = validate_run._finish_agency

    def counted(items: list[Any], *args: Any) -> list[FileReport]:
        worked.append(items[0].sub.agency)
        return real(items, *args)

    monkeypatch.setattr(validate_run, "_finish_agency", counted)
    portal = load_portal(datasets, output)
    store = Store.load(output / "store")
    cache = ValidationCache.for_portal(portal)
    reports = validate_datasets(portal, partial(store.previous_agenda_ids, known=cache.agenda_ids), cache, None,
                                store.agendas_versions)
    monkeypatch.undo()
    return reports, worked


def _fresh(datasets: Path, output: Path) -> list[FileReport]:
    """Every file judged afresh (no cache)."""
    return validate_datasets(load_portal(datasets, output), Store.load(output / "store").previous_agenda_ids)


def _as_data(reports: list[FileReport]) -> list[Any]:
    return [(r.to_json(), r.sha256, list(r.rows) if r.rows is not None else None, r.omitted_errors,
             r.omitted_warnings) for r in reports]


def _agencies(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((output / "store" / "validation" / FILE).read_bytes())["agencies"]
    return data


def test_agencies_as_last_run_take_their_kept_reports(mall: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a publish no agency is worked out again, and the reports are a fresh judgement's."""
    town, datasets, output = mall
    agencies = {k[1] for k in town.sent if k[:2] != town.held_back}
    assert set(_agencies(output)) == agencies
    reports, worked = _validate(datasets, output, monkeypatch)
    assert worked == []
    assert _as_data(reports) == _as_data(_fresh(datasets, output))


def test_a_new_month_works_out_its_agency_alone(mall: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    """The held-back agency-month is worked out for its agency only; once published, its agency is kept too (the
    store's new agendas version is the file its key names already)."""
    town, datasets, output = mall
    city.add_late_month(town, datasets)
    reports, worked = _validate(datasets, output, monkeypatch)
    assert worked == [town.held_back[1]]
    assert _as_data(reports) == _as_data(_fresh(datasets, output))
    publish(datasets, output)
    reports, worked = _validate(datasets, output, monkeypatch)
    assert worked == []
    assert _as_data(reports) == _as_data(_fresh(datasets, output))


def test_a_late_agendas_file_judges_its_agency_again(mall: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    """An earlier month's agendas file emptied: its agency is worked out, a later decisions file naming one of
    its agendas is rejected as a fresh judgement rejects it; put back, it is accepted again."""
    town, datasets, output = mall
    key, agenda = next(((k, row["agenda_id"]) for k, rows in sorted(town.clean.items()) if k[2] == "decisions"
                        and k not in town.mistakes and k[:2] != town.held_back
                        for row in rows if not row["agenda_id"].startswith(f"AG-{k[0]}")))
    earlier = (agenda[3:10], key[1], "agendas")
    path = datasets / city.file_name(town, earlier)
    original = path.read_bytes()
    path.write_bytes(original.split(b"\n", 1)[0] + b"\n")
    reports, worked = _validate(datasets, output, monkeypatch)
    assert worked == [key[1]]
    assert _as_data(reports) == _as_data(_fresh(datasets, output))
    publish(datasets, output)
    reports, worked = _validate(datasets, output, monkeypatch)
    decisions = next(r for r in reports if r.file == city.file_name(town, key))
    assert not decisions.accepted and any(p.code == "unknown-agenda" for p in decisions.errors)
    assert _as_data(reports) == _as_data(_fresh(datasets, output))
    path.write_bytes(original)
    publish(datasets, output)
    reports, _ = _validate(datasets, output, monkeypatch)
    assert next(r for r in reports if r.file == city.file_name(town, key)).accepted
    assert _as_data(reports) == _as_data(_fresh(datasets, output))


def test_a_changed_record_or_a_damaged_file_works_them_out_again(mall: Town,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A kept key whose entries' digest differs, or an unreadable file, is a miss: those agencies are worked
    out again, with the same reports."""
    _, datasets, output = mall
    path = output / "store" / "validation" / FILE
    kept = _agencies(output)
    agency = sorted(kept)[0]
    kept[agency] = [kept[agency][0], "0" * 64]
    path.write_text(json.dumps({"format": 1, "agencies": kept}))
    reports, worked = _validate(datasets, output, monkeypatch)
    assert worked == [agency]
    assert _as_data(reports) == _as_data(_fresh(datasets, output))
    path.write_bytes(b"{not json")
    reports, worked = _validate(datasets, output, monkeypatch)
    assert sorted(worked) == sorted(kept)
    assert _as_data(reports) == _as_data(_fresh(datasets, output))


def test_keys_are_saved_only_with_their_entries(tmp_path: Path) -> None:
    """``save`` writes this run's keys alone; ``drop`` removes the file; a link is never read."""
    keys = AgencyKeys(tmp_path)
    keys.record("dukcapil", "k" * 64, "e" * 64)
    keys.save()
    again = AgencyKeys(tmp_path)
    assert again.matches("dukcapil", "k" * 64, "e" * 64)
    assert not again.matches("dukcapil", "k" * 64, "f" * 64)
    assert not again.matches("disdag", "k" * 64, "e" * 64)
    again.save()  # nothing recorded this run: nothing kept
    assert not AgencyKeys(tmp_path).matches("dukcapil", "k" * 64, "e" * 64)
    keys.record("dukcapil", "k" * 64, "e" * 64)
    keys.save()
    target = tmp_path / "elsewhere.json"
    (tmp_path / FILE).rename(target)
    (tmp_path / FILE).symlink_to(target)
    assert not AgencyKeys(tmp_path).matches("dukcapil", "k" * 64, "e" * 64)
    AgencyKeys(tmp_path).drop()
    assert not os.path.lexists(tmp_path / FILE)
