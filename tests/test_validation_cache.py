"""Judgements kept between publishes: unchanged files are not judged again, and any change judges again.

The mall is a small generated one (tools/bench, real CSV and XLSX files with clerks' mistakes),
published by the real command; the validate stage then runs in this process, where a
counter around frictionless tells whether a file was judged again.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import pipeline.validate.run as validate_run
from pipeline.core.config import load_portal
from pipeline.core.models import FileReport
from pipeline.core.rowcodec import decode_rows, encode_rows
from pipeline.store import Store
from pipeline.store.receipts import load_receipts
from pipeline.validate import ValidationCache, validate_datasets
from pipeline.validate.agency_keys import FILE as AGENCIES
from pipeline.validate.cache import KEPT
from pipeline.validate.kept_rows import KeptRows, agenda_ids
from tests.town_support import Town, publish, published_town
from tools.bench import city


@pytest.fixture()
def mall(tmp_path: Path) -> Town:
    """The small town, generated and published once."""
    return published_town(tmp_path)


class Counting:
    """Counts the files frictionless is asked to check (then checks them for real)."""

    def __init__(self) -> None:
        self.files = 0
        self.real = validate_run.run_frictionless

    def __call__(self, checked: list[Any], schema: Any) -> None:
        self.files += len(checked)
        self.real(checked, schema)


def _validate(datasets: Path, output: Path, cached: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[
        list[FileReport], int]:
    """The validate stage as publish runs it; the reports and how many files frictionless checked."""
    counting = Counting()
    monkeypatch.setattr(validate_run, "run_frictionless", counting)
    portal = load_portal(datasets, output)
    store = Store.load(output / "store")
    reports = validate_datasets(portal, store.previous_agenda_ids, ValidationCache.for_portal(portal) if cached
                                else None)
    monkeypatch.undo()
    return reports, counting.files


def _entries(output: Path) -> list[bytes]:
    """The kept judgements' lines (after the file's header line)."""
    return (output / "store" / "validation" / KEPT).read_bytes().splitlines()[1:]


def _as_data(reports: list[FileReport]) -> list[Any]:
    return [(r.to_json(), r.sha256, r.rows, r.omitted_errors, r.omitted_warnings) for r in reports]


def test_unchanged_files_are_not_judged_again(mall: Town,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """After a publish, every file's report comes from the cache, identical to a fresh judgement."""
    town, datasets, output = mall
    submitted = len(town.sent) - 3  # the held-back agency-month is not there yet
    assert len(_entries(output)) == submitted
    # One file, and each agency's context (agency_keys.py), nothing else
    assert sorted(p.name for p in (output / "store" / "validation").iterdir()) == sorted([KEPT, AGENCIES])
    kept, judged = _validate(datasets, output, True, monkeypatch)
    assert judged == 0
    fresh, judged_fresh = _validate(datasets, output, False, monkeypatch)
    assert judged_fresh == submitted
    assert _as_data(kept) == _as_data(fresh)
    assert sum(not r.accepted for r in kept) == len(town.mistakes) > 0


def test_a_changed_file_or_rule_is_judged_again(mall: Town,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A corrected file is judged alone; a change to a reference table judges every file again."""
    town, datasets, output = mall
    fixed = city.correct_old_file(town, datasets)
    reports, judged = _validate(datasets, output, True, monkeypatch)
    assert judged == 1
    assert next(r for r in reports if r.file == fixed).accepted
    services = datasets / "reference" / "services.csv"
    services.write_bytes(services.read_bytes() + b"tambahan-l1,dpmptsp,Layanan tambahan,1 hari kerja,0,,\n")
    _, judged = _validate(datasets, output, True, monkeypatch)
    assert judged == len(town.sent) - 3


def test_decisions_are_judged_again_when_their_agendas_change(mall: Town,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged decisions naming an agenda of an earlier month follow that month's agendas file."""
    town, datasets, output = mall
    # A decisions file of a later month whose follow-up names an agenda of an earlier month.
    key, agenda = next(((k, row["agenda_id"]) for k, rows in sorted(town.clean.items()) if k[2] == "decisions"
                        and k not in town.mistakes and k[:2] != town.held_back
                        for row in rows if not row["agenda_id"].startswith(f"AG-{k[0]}")))
    earlier = (agenda[3:10], key[1], "agendas")
    assert earlier not in town.mistakes
    agendas_path = datasets / city.file_name(town, earlier)
    original = agendas_path.read_bytes()
    # That month's agendas are replaced by an empty file (only the header): the agenda is gone.
    agendas_path.write_bytes(original.split(b"\n", 1)[0] + b"\n")
    publish(datasets, output)
    reports = {r.file: r for r in _validate(datasets, output, True, monkeypatch)[0]}
    decisions = reports[city.file_name(town, key)]
    assert not decisions.accepted
    assert any(p.code == "unknown-agenda" and p.value == agenda for p in decisions.errors)
    # The agendas come back; the decisions file, byte for byte the same, is accepted again.
    agendas_path.write_bytes(original)
    publish(datasets, output)
    reports = {r.file: r for r in _validate(datasets, output, True, monkeypatch)[0]}
    assert reports[city.file_name(town, key)].accepted


def test_previous_agenda_ids_are_those_of_earlier_accepted_months(mall: Town) -> None:
    """The indexed lookup gives, for every agency and month, the ids of the accepted agendas before it."""
    town, _, output = mall
    store = Store.load(output / "store")
    for agency in sorted({k[1] for k in town.clean}):
        for period in town.shape.periods:
            expected = {row["agenda_id"] for (p, a, t), rows in town.clean.items()
                        if a == agency and t == "agendas" and p < period and (p, a, t) not in town.mistakes
                        and (p, a) != town.held_back for row in rows}
            assert store.previous_agenda_ids(agency, period) == expected, (agency, period)


def test_kept_rows_are_decoded_only_when_read(tmp_path: Path) -> None:
    """A kept report's rows stay JSON text through finding it, its length and its agenda ids."""
    rows: list[dict[str, Any]] = [{"agenda_id": "AG-1", "date": date(2025, 3, 4), "participants": Decimal("12")},
            {"agenda_id": "", "date": date(2025, 3, 5), "participants": None},
            {"agenda_id": "AG-2", "date": None, "participants": Decimal("3.5")}]
    sha = "ab" * 32
    report = FileReport("submissions/2025-03/dukcapil/agendas.csv", "2025-03", "dukcapil", "agendas", "accepted",
                        sha256=sha, rows=rows)
    cache = ValidationCache(tmp_path, "rules")
    cache.put(report, None)
    cache.save()
    entry = ValidationCache(tmp_path, "rules").get(report.file, sha)
    assert entry is not None
    kept = entry.report.rows
    assert isinstance(kept, KeptRows)
    assert len(kept) == 3 and kept.agenda_ids == {"AG-1", "AG-2"} == agenda_ids(rows)
    assert kept._text is not None  # not decoded by any of that
    assert list(kept) == rows and kept[2] == rows[2] and kept == rows
    assert kept._text is None


def test_kept_rows_that_disagree_with_their_count_fail_as_ours() -> None:
    """An entry whose rows are not as many as it says is an error, never fewer rows in silence."""
    text = json.dumps(encode_rows([{"a": "x"}]))
    with pytest.raises(ValueError, match="expected 2"):
        list(KeptRows(text, 2, frozenset()))


def test_a_damaged_kept_judgement_is_not_used(mall: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged line (cut short, or its rows apart from its count) is ignored: that file alone is judged
    again, and its report is the fresh one."""
    _, datasets, output = mall
    path = output / "store" / "validation" / KEPT
    lines = path.read_bytes().split(b"\n")
    with_rows = [n for n, line in enumerate(lines[1:-1], 1) if not line.endswith(b"\t")]
    cut, rowless = with_rows[0], with_rows[1]
    lines[cut] = lines[cut][:-7]
    lines[rowless] = lines[rowless][:lines[rowless].rindex(b"\t") + 1]  # the rows gone, the count kept
    path.write_bytes(b"\n".join(lines))
    kept, judged = _validate(datasets, output, True, monkeypatch)
    assert judged == 2
    fresh, _ = _validate(datasets, output, False, monkeypatch)
    assert _as_data(kept) == _as_data(fresh)


def test_a_kept_judgement_whose_report_is_no_json_costs_only_its_file(mall: Town,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The entries are decoded together (``prefetch``); one whose report is not JSON leaves each to be decoded
    alone: that file is judged again, every other judgement is still used."""
    _, datasets, output = mall
    path = output / "store" / "validation" / KEPT
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"\t{", b"\t{,", 1)
    path.write_bytes(b"\n".join(lines))
    kept, judged = _validate(datasets, output, True, monkeypatch)
    assert judged == 1
    fresh, _ = _validate(datasets, output, False, monkeypatch)
    assert _as_data(kept) == _as_data(fresh)


def test_kept_judgements_reached_through_a_link_are_not_used(mall: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file of kept judgements replaced by a link (even to its own bytes) is not read: every file is
    judged again."""
    town, datasets, output = mall
    path = output / "store" / "validation" / KEPT
    copy = output.parent / "judgements.tsv"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)
    _, judged = _validate(datasets, output, True, monkeypatch)
    assert judged == len(town.sent) - 3


def test_saving_keeps_only_the_judgements_used_and_drops_an_earlier_format(tmp_path: Path) -> None:
    """A save writes the entries this run used, kept or new, and removes the earlier format's files."""
    legacy = tmp_path / "ab" / ("ab" + "0" * 62 + ".json")
    legacy.parent.mkdir()
    legacy.write_bytes(b"{}")
    reports = [FileReport(f"submissions/2025-0{m}/dukcapil/agendas.csv", f"2025-0{m}", "dukcapil", "agendas",
                          "accepted", sha256=f"{m}" * 64, rows=[{"agenda_id": f"AG-{m}", "date": date(2025, m, 4)}])
               for m in (1, 2, 3)]
    first = ValidationCache(tmp_path, "rules")
    for report in reports:
        first.put(report, None)
    first.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEPT]
    second = ValidationCache(tmp_path, "rules")
    found = second.get(reports[1].file, reports[1].sha256 or "")
    assert found is not None and list(found.report.rows or []) == reports[1].rows
    second.release()  # the bytes let go: the save reads the file again for the line kept
    fresh = FileReport(reports[2].file, "2025-03", "dukcapil", "agendas", "rejected", sha256="9" * 64)
    second.put(fresh, None)
    second.save()
    third = ValidationCache(tmp_path, "rules")
    assert third.get(reports[0].file, reports[0].sha256 or "") is None  # not used by the second run: gone
    kept = third.get(reports[1].file, reports[1].sha256 or "")
    assert kept is not None and list(kept.report.rows or []) == reports[1].rows
    new = third.get(fresh.file, "9" * 64)
    assert new is not None and new.report.rows is None and new.report.status == "rejected"
    assert len((tmp_path / KEPT).read_bytes().splitlines()) == 3  # the header and two entries


def test_the_store_gives_the_rows_it_holds_without_reading_them_again(mall: Town,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """After validation with kept judgements, the updated store's rows of every published version are
    those its files hold (same values, same types), taken from the rows validation already read (the
    kept judgements', the agendas the old store decoded): no rows file is read again; a file this update
    writes is read from what it writes."""
    _, datasets, output = mall
    portal = load_portal(datasets, output)
    store = Store.load(output / "store")
    cache = ValidationCache.for_portal(portal)
    reports = validate_datasets(portal, store.previous_agenda_ids, cache)
    assert cache.reused and len(cache.reused) == len(reports)
    new, _ = store.update(reports, lambda file: (datasets / file).read_bytes(),
                          load_receipts(portal.receipts, portal.tz, portal.datasets), dict(store.reference),
                          "2026-11-20T10:00:00+07:00", date(2026, 11, 20), cache.reused)
    read: list[str] = []
    real = Store._read

    def counted(self: Store, rel: str) -> bytes:
        read.append(rel)
        return real(self, rel)

    monkeypatch.setattr(Store, "_read", counted)
    published = new.published()
    assert published
    for version in published:
        got = new.rows(version)
        on_disk = decode_rows(json.loads((output / "store" / version.rows_path).read_bytes()))
        assert got == on_disk
        assert [[type(v) for v in row.values()] for row in got] == [[type(v) for v in row.values()] for row in on_disk]
        assert [list(row) for row in got] == [list(row) for row in on_disk]
    assert read == []
    # A version this update writes (its report is not the kept one) is read from the pending bytes.
    fresh = next(r for r in reports if r.accepted)
    refreshed, _ = store.update([fresh], lambda file: (datasets / file).read_bytes(),
                                load_receipts(portal.receipts, portal.tz, portal.datasets), dict(store.reference),
                                "2026-11-20T10:00:00+07:00", date(2026, 11, 20), frozenset())
    version = next(v for v in refreshed.published() if v.file == fresh.file)
    assert version.rows_path in refreshed.pending
    assert refreshed.rows(version) == list(fresh.rows or [])
    assert read == [version.rows_path]


def test_earlier_agenda_ids_come_from_the_kept_judgements(mall: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the kept judgements' agenda ids, validation reads no agendas rows from the store, and every
    agency's earlier agenda ids, and so every report, are those the store's rows give."""
    town, datasets, output = mall
    portal = load_portal(datasets, output)
    read: list[str] = []
    real = Store._read

    def counted(self: Store, rel: str) -> bytes:
        read.append(rel)
        return real(self, rel)

    store = Store.load(output / "store")
    cache = ValidationCache.for_portal(portal)
    monkeypatch.setattr(Store, "_read", counted)
    kept = validate_datasets(portal, partial(store.previous_agenda_ids, known=cache.agenda_ids), cache)
    monkeypatch.undo()
    assert cache.agendas and read == []
    fresh = validate_datasets(portal, Store.load(output / "store").previous_agenda_ids)
    assert _as_data(kept) == _as_data(fresh)
    plain = Store.load(output / "store")
    for agency in sorted({k[1] for k in town.clean}):
        for period in town.shape.periods:
            assert store.previous_agenda_ids(agency, period) == plain.previous_agenda_ids(agency, period)


def _agendas(months: range, digit: str = "") -> list[FileReport]:
    """Accepted agendas reports of dukcapil, one a month from 2025-01 (``digit``: another version of their bytes)."""
    periods = {m: f"{2025 + (m - 1) // 12}-{(m - 1) % 12 + 1:02}" for m in months}
    return [FileReport(f"submissions/{periods[m]}/dukcapil/agendas.csv", periods[m], "dukcapil", "agendas",
                       "accepted", sha256=(digit or str(m % 10)) * 64,
                       rows=[{"agenda_id": f"AG-{m}", "date": date(2025, (m - 1) % 12 + 1, 4)}]) for m in months]


def test_a_save_after_a_small_change_appends_and_a_large_one_writes_the_file_whole(tmp_path: Path) -> None:
    """A few new judgements are appended to the file as it was (its bytes kept as a prefix), every entry
    found after; once the entries no longer used pass an eighth of the lines, the file is written whole again,
    sorted, with only the entries used; a file whose last line was cut short is written whole too."""
    path = tmp_path / KEPT
    first = ValidationCache(tmp_path, "rules")
    for report in _agendas(range(1, 11)):
        first.put(report, None)
    first.save()
    whole = path.read_bytes()

    def run(kept: list[FileReport], fresh: list[FileReport]) -> ValidationCache:
        """A run that finds the judgements of ``kept`` (and judges anew any it does not find) and judges ``fresh``
        anew, then saves."""
        cache = ValidationCache(tmp_path, "rules")
        fresh = [r for r in kept if cache.get(r.file, r.sha256 or "") is None] + fresh
        cache.release()
        for report in fresh:
            cache.put(report, None)
        cache.save()
        return cache

    late = _agendas(range(11, 13))  # a new month's files
    run(_agendas(range(1, 11)), late)
    appended = path.read_bytes()
    assert appended.startswith(whole) and len(appended.splitlines()) == 13
    corrected = _agendas(range(3, 4), "e")  # a late file: its earlier version no longer used, left in place
    run([*_agendas(range(1, 3)), *_agendas(range(4, 13))], corrected)
    assert path.read_bytes().startswith(appended) and len(path.read_bytes().splitlines()) == 14
    found = ValidationCache(tmp_path, "rules")
    for report in (*_agendas(range(1, 13)), *corrected):
        entry = found.get(report.file, report.sha256 or "")
        assert entry is not None and list(entry.report.rows or []) == report.rows
    # Five of twelve files corrected: too many unused lines, the file is written whole with the entries used.
    again = _agendas(range(1, 6), "f")
    run(_agendas(range(6, 13)), again)
    lines = path.read_bytes().splitlines()[1:]
    assert len(lines) == 12 and lines == sorted(lines)
    found = ValidationCache(tmp_path, "rules")
    assert found.get(corrected[0].file, corrected[0].sha256 or "") is None
    assert all(found.get(r.file, r.sha256 or "") is not None for r in (*again, *_agendas(range(6, 13))))
    # A last line cut short (a save stopped while appending): the next save writes the file whole.
    path.write_bytes(path.read_bytes()[:-5])  # (that judgement is made again)
    newer = _agendas(range(13, 14))
    run([*again, *_agendas(range(6, 12))], newer)
    lines = path.read_bytes().splitlines()[1:]
    assert len(lines) == 12 and lines == sorted(lines)
    found = ValidationCache(tmp_path, "rules")
    assert all(found.get(r.file, r.sha256 or "") is not None for r in (*again, *_agendas(range(6, 12)), *newer))


def test_a_kept_judgement_gives_its_rows_digest_without_hashing_them_again(mall: Town,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache keeps the SHA-256 of each judgement's rows text: the updated store's ``encoded_digest`` of a kept
    version is it, equal to the digest of the rows file's bytes, and no text is hashed to give it."""
    import pipeline.store.archive as archive

    _, datasets, output = mall
    portal = load_portal(datasets, output)
    store = Store.load(output / "store")
    cache = ValidationCache.for_portal(portal)
    reports = validate_datasets(portal, store.previous_agenda_ids, cache)
    kept = [r for r in reports if isinstance(r.rows, KeptRows)]
    assert kept and all(r.rows.digest for r in kept)  # type: ignore[union-attr]
    new, _ = store.update(reports, lambda file: (datasets / file).read_bytes(),
                          load_receipts(portal.receipts, portal.tz, portal.datasets), dict(store.reference),
                          "2026-11-20T10:00:00+07:00", date(2026, 11, 20), cache.reused)
    hashed: list[bytes] = []
    real = archive._encoded_digest
    monkeypatch.setattr(archive, "_encoded_digest", lambda data: hashed.append(data) or real(data))
    for version in new.published():
        on_disk = (output / "store" / version.rows_path).read_bytes()
        assert new.encoded_digest(version) == real(on_disk)
    assert hashed == []
