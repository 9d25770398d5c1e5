"""The accepted store: immutability, revisions, rejected never replaces accepted, idempotence."""

from __future__ import annotations

import hashlib
import os
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.core.rowcodec import decode_rows, encode_rows
from pipeline.store import Store, previous_agenda_lookup
from pipeline.store.receipts import load_receipts
from pipeline.validate.kept_rows import KeptRows
from tests.publish_support import Fixture, agenda, make_fixture, perf_row, tree_bytes, update_store

DAY = date(2026, 11, 28)
T1, T2, T3 = "2026-11-01T08:00:00+07:00", "2026-11-02T08:00:00+07:00", "2026-11-03T08:00:00+07:00"
AGENDA = agenda("A-1", "held", "2026-10-03", title="Rapat")
# The row above as validation types it (written out here, not read from the pipeline).
TYPED = {"agenda_id": "A-1", "date": date(2026, 10, 3), "start_time": time(9, 0), "end_time": None,
         "title": "Rapat", "type": "coordination", "participants": "disdukcapil;dpmptsp", "attendees": None,
         "location": None,
         "status": "held", "summary": None, "minutes_url": None}


@pytest.fixture
def fx(tmp_path: Path) -> Fixture:
    return make_fixture(tmp_path)


def test_first_version_is_kept_with_sha_revision_and_times(fx: Fixture) -> None:
    rep = fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    store, changes = update_store(fx, T1)
    (v,) = store.current()
    assert (v.revision, v.sha256, v.first_seen, v.received_at, v.status) == (1, rep.sha256, T1, T1, "accepted")
    blob = fx.output / "store" / "files/2026-10/disdukcapil/agendas" / f"r001-{rep.sha256[:12]}.csv"
    assert blob.read_bytes() == (fx.datasets / rep.file).read_bytes()
    assert store.rows(v) == [TYPED]
    assert [v.file for v in changes.added] == [rep.file]


def test_receipt_time_is_used_when_the_intake_log_has_the_file(fx: Fixture) -> None:
    rep = fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    fx.receipt("submissions/2026-10/disdukcapil/agendas.csv", rep.sha256, "2026-11-05 14:30:00")
    (v,) = update_store(fx, T1)[0].current()
    assert (v.received_at, v.first_seen) == ("2026-11-05T14:30:00+07:00", T1)


def test_new_bytes_make_a_new_revision_and_old_bytes_stay(fx: Fixture) -> None:
    first = fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    update_store(fx, T1)
    old_blob = tree_bytes(fx.output / "store" / "files")
    second = fx.put("2026-10", "disdukcapil", "agendas", [{**AGENDA, "title": "Rapat 2"}])
    store, changes = update_store(fx, T2)
    assert [(v.revision, v.sha256, v.first_seen) for v in store.versions[("2026-10", "disdukcapil", "agendas")]] == [
        (1, first.sha256, T1), (2, second.sha256, T2)]
    after = tree_bytes(fx.output / "store" / "files")
    assert all(after[k] == old_blob[k] for k in old_blob) and len(after) == 2
    assert [v.revision for v in changes.corrected] == [2]
    assert store.rows(store.published()[0])[0]["title"] == "Rapat 2"


def test_rejected_file_never_replaces_the_accepted_version(fx: Fixture) -> None:
    fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    update_store(fx, T1)
    fx.put("2026-10", "disdukcapil", "agendas", [{**AGENDA, "date": "kemarin"}])  # a date that is no date
    store, changes = update_store(fx, T2)
    key = ("2026-10", "disdukcapil", "agendas")
    assert (store.pointers[key].current, store.pointers[key].published) == (2, 1)
    assert store.rows(store.published()[0]) == [TYPED]
    assert [v.revision for v in changes.rejected] == [2]
    (error,) = store.report(store.current()[0])["errors"]
    assert (error["code"], error["cell"], error["value"]) == ("type-error", "B2", "kemarin")


def test_a_file_that_disappears_stays_published(fx: Fixture) -> None:
    fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    update_store(fx, T1)
    fx.remove("2026-10", "disdukcapil", "agendas")
    store, changes = update_store(fx, T2)
    assert [v.revision for v in store.published()] == [1] and not changes.changed


def test_nothing_new_changes_no_byte_and_adds_no_event(fx: Fixture) -> None:
    fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    fx.put("2026-10", "disdukcapil", "performance", [perf_row("2026-10", "disdukcapil", "ktp", ["3"] * 9)])
    assert [v.status for v in update_store(fx, T1)[0].current()] == ["accepted", "accepted"]
    before = tree_bytes(fx.output / "store")
    store, changes = update_store(fx, T2)
    assert tree_bytes(fx.output / "store") == before
    assert not changes.new and not changes.changed and len(store.changelog) == 1


def test_sending_old_bytes_again_reuses_their_revision(fx: Fixture) -> None:
    fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    update_store(fx, T1)
    fx.put("2026-10", "disdukcapil", "agendas", [{**AGENDA, "title": "B"}])
    update_store(fx, T2)
    fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    store, changes = update_store(fx, T3)
    key = ("2026-10", "disdukcapil", "agendas")
    assert len(store.versions[key]) == 2 and store.pointers[key].current == 1 and not changes.new


def test_previous_agenda_ids_come_from_earlier_accepted_periods_only(fx: Fixture) -> None:
    fx.put("2026-09", "disdukcapil", "agendas", [{**AGENDA, "agenda_id": "SEP", "date": "2026-09-03"}])
    fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    fx.put("2026-08", "disdukcapil", "agendas", [{**AGENDA, "agenda_id": "AUG", "status": "selesai"}])  # rejected
    fx.put("2026-09", "dpmptsp", "agendas", [{**AGENDA, "agenda_id": "OTHER", "date": "2026-09-03"}])
    store, _ = update_store(fx, T1)
    assert {(v.period, v.agency, v.status) for v in store.current()} == {
        ("2026-08", "disdukcapil", "rejected"), ("2026-09", "disdukcapil", "accepted"),
        ("2026-10", "disdukcapil", "accepted"), ("2026-09", "dpmptsp", "accepted")}
    lookup = previous_agenda_lookup(fx.output)
    assert lookup is not None
    assert lookup("disdukcapil", "2026-10") == {"SEP"}
    assert lookup("disdukcapil", "2026-11") == {"SEP", "A-1"}
    assert lookup("disdukcapil", "2026-09") == set()
    assert previous_agenda_lookup(fx.output / "nothing") is None


def test_rows_round_trip_exactly() -> None:
    rows = [{"a": Decimal("3.40"), "b": date(2026, 1, 2), "c": time(9, 30), "d": True, "e": 7, "f": None,
             "g": "teks"}, {"a": Decimal("1E+2"), "b": None, "c": None, "d": False, "e": 0, "f": None, "g": ""}]
    back = decode_rows(encode_rows(rows))
    assert back == rows and str(back[0]["a"]) == "3.40"


def test_index_is_laid_out_as_sorted_two_space_json(tmp_path: Path) -> None:
    """The index's fast layout gives the bytes of the indented JSON the store always wrote (written here by hand)."""
    from pipeline.store.archive import Store
    from pipeline.store.records import Pointer, Version

    assert Store(tmp_path).index_bytes() == (
        b'{\n  "changelog": [],\n  "format": 1,\n  "keys": [],\n  "reference": {},\n  "versions": []\n}\n')
    store = Store(tmp_path)
    key = ("2024-03", "dinkes", "agendas")
    store.versions[key] = [Version(*key, revision=1, sha256="ab", file="submissions/2024-03/dinkes/agendas.csv",
                                   first_seen='Jl. "Sudirman"\n', received_at="t2", status="accepted",
                                   errors=0, warnings=1)]
    store.pointers[key] = Pointer(1, None)
    store.reference = {"agencies": "x"}
    store.changelog = [{"date": "2024-04-01", "added": ["é"]}]
    assert store.index_bytes().decode() == """{
  "changelog": [
    {
      "added": [
        "é"
      ],
      "date": "2024-04-01"
    }
  ],
  "format": 1,
  "keys": [
    {
      "agency": "dinkes",
      "current": 1,
      "period": "2024-03",
      "published": null,
      "table": "agendas"
    }
  ],
  "reference": {
    "agencies": "x"
  },
  "versions": [
    {
      "agency": "dinkes",
      "errors": 0,
      "file": "submissions/2024-03/dinkes/agendas.csv",
      "first_seen": "Jl. \\"Sudirman\\"\\n",
      "period": "2024-03",
      "received_at": "t2",
      "revision": 1,
      "sha256": "ab",
      "status": "accepted",
      "table": "agendas",
      "warnings": 1
    }
  ]
}
"""



def test_the_fast_layout_gives_the_bytes_of_canonical_json(tmp_path: Path) -> None:
    """Flat records, nested objects and lists, odd texts (a NUL, a percent sign, quotes, line breaks,
    non-ASCII), empty records and values the fast layout leaves to the general encoder: the change log
    and the index are byte for byte ``canonical_json``."""
    from pipeline.core.rowcodec import canonical_json
    from pipeline.store.archive import Store
    from pipeline.store.records import Pointer, Version

    odd = ["a\x00b", "100%s %d %%", 'say "hi"\n', "é\u2028ж", "", "\x00"]
    changelog = [
        {"date": "2024-04-01", "published_at": "t", "changes": [
            {"change": "added", "file": text, "revision": n, "sha256": None, "ok": n % 2 == 0, odd[1]: odd[0]}
            for n, text in enumerate(odd)]},
        {"date": "2024-05-01", "changes": []},
        {"date": "2024-06-01", "changes": [{}, {"x": 1}, {"y": [1, {"z": odd[2]}]}], "float": 1.5},
        {"nested": {"deeper": {"list": [{"a": 1}], "empty": {}, "none": None}}},
        {},
    ]
    # Flat records of several key sets and orders in one list (each set laid out once, every record filled at once).
    mixed = [{"changes": [{"b": 1, "a": "%s"}, {"a": 2, "b": None}, {"c%": True}, {}, {"b": "x", "a": odd[0]}]}]
    for log in (changelog, changelog[:1], changelog[3:], [{"changes": [{"n": 10**30}]}], mixed):
        store = Store(tmp_path)
        store.changelog = log
        assert store.changelog_bytes() == canonical_json(log)
    store = Store(tmp_path)
    store.changelog = changelog
    for n, text in enumerate(odd):
        key = ("2024-03", f"dinkes{n}", "agendas")
        store.versions[key] = [Version(*key, revision=1, sha256=text, file=text, first_seen=text, received_at="t",
                                       status="accepted", errors=n, warnings=0)]
        store.pointers[key] = Pointer(1, None if n % 2 else 1)
    versions = [vars(v) for k in sorted(store.versions) for v in store.versions[k]]
    keys = [{"agency": k[1], "current": p.current, "period": k[0], "published": p.published, "table": k[2]}
            for k, p in sorted(store.pointers.items())]
    assert store.index_bytes() == canonical_json({"changelog": changelog, "format": 1, "keys": keys,
                                                  "reference": {}, "versions": versions})

def test_reports_are_published_as_canonical_json() -> None:
    """``validation.json`` laid out fast is byte for byte ``canonical_json`` of the report records: accepted
    reports without problems, problems with every kind of value and odd texts, a layout error, none at all."""
    from pipeline.core.models import FileReport, Message, Problem
    from pipeline.core.rowcodec import canonical_json
    from pipeline.store import report_record, reports_json

    odd = ["a\x00b", "100%s %d %%", 'say "hi"\n', "é\u2028ж", "", "\x00"]
    problems = [Problem(f"code-{n}", Message(text, odd[-1 - n]), n or None, text or None, text if n % 2 else None,
                        f"D{n}" if n % 3 else None) for n, text in enumerate(odd)]
    reports = [
        FileReport("submissions/2026-09/dinkes/agendas.csv", "2026-09", "dinkes", "agendas", "accepted",
                   sha256="ab" * 32, rows=[{"agenda_id": "A-1"}]),
        FileReport(odd[3], "2026-09", "dinkes", "decisions", "rejected", problems, problems[:2], None),
        FileReport("submissions/stray.txt", None, None, None, "rejected", problems[:1]),
        FileReport(odd[0], odd[1], odd[2], "performance", "accepted", [], problems[3:], omitted_warnings=2),
    ]
    for some in (reports, reports[:1], reports[1:], []):
        assert reports_json(some) == canonical_json([report_record(r) for r in some])


def test_a_short_copy_of_a_received_file_is_written_again(tmp_path: Path) -> None:
    """A received file's copy left empty by a run cut off before its flush is written again, not trusted."""
    root = tmp_path / "store"
    rel = "files/ab/abcdef.csv"
    (root / rel).parent.mkdir(parents=True)
    (root / rel).write_bytes(b"")  # what a power loss can leave of a copy written without a flush
    store = Store.load(root)
    store.pending[rel] = b"agenda_id,title\nAG-1,Rapat koordinasi\n"
    store.commit()
    assert (root / rel).read_bytes() == b"agenda_id,title\nAG-1,Rapat koordinasi\n"
    untouched = (root / rel).stat().st_mtime_ns
    again = Store.load(root)
    again.pending[rel] = b"agenda_id,title\nAG-1,Rapat koordinasi\n"
    again.commit()
    assert (root / rel).stat().st_mtime_ns == untouched  # a copy holding the bytes is never rewritten


def test_planned_writes_are_made_by_write_and_named_only_by_the_commit(tmp_path: Path) -> None:
    """``start_writing`` plans the pending files' writes (nothing written); ``write`` makes them (publish: in a
    forked child, while the tables are built); ``commit`` flushes and indexes them."""
    root = tmp_path / "store"
    store = Store.load(root)
    files = {f"rows/2026-10/a{n}/agendas/r001.json": f"[{n}]\n".encode() for n in range(50)}
    store.pending = dict(files)
    writing = store.start_writing()
    assert not root.exists()  # planned only
    writing.write()
    assert not (root / "index.json").exists()
    store.commit(writing)
    assert {rel: data for rel, data in tree_bytes(root).items() if rel.startswith("rows/")} == files
    assert (root / "index.json").is_file() and store.pending == {}


def test_writes_made_by_a_child_process_are_undone_by_the_planning_one(tmp_path: Path) -> None:
    """The run failing elsewhere (or the writing child dying) leaves the store as it was: the plan made before
    the fork names every file and folder the child may have written, and the bytes it overwrote."""
    root = tmp_path / "store"
    root.mkdir()
    (root / "reports").mkdir()
    (root / "reports" / "kept.json").write_bytes(b"old\n")
    before = tree_bytes(root)
    store = Store.load(root)
    store.pending = {f"rows/2026-10/a{n}/agendas/r001.json": b"[]\n" for n in range(200)}
    store.pending["reports/kept.json"] = b"new\n"  # overwritten, then put back
    writing = store.start_writing()
    pid = os.fork()
    if pid == 0:  # the child writes everything, then ends without a word
        try:
            writing.write()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert (root / "reports" / "kept.json").read_bytes() == b"new\n"
    writing.undo()
    assert tree_bytes(root) == before
    assert sorted(p.name for p in root.iterdir()) == ["reports"]  # the folders it made are gone too


def test_a_failed_write_fails_the_commit_with_every_write_undone(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / "rows").write_bytes(b"")  # a file where a folder must go: the writes into it fail
    before = tree_bytes(root)
    store = Store.load(root)
    store.pending = {"files/2026-10/a/agendas/r001-abc.csv": b"x\n", "rows/2026-10/a/agendas/r001.json": b"[]\n"}
    with pytest.raises(OSError):
        store.commit()
    assert tree_bytes(root) == before and not (root / "index.json").exists()
    assert sorted(p.name for p in root.iterdir()) == ["rows"]


def test_an_update_leaves_the_loaded_stores_records_as_they_were(fx: Fixture) -> None:
    """The updated store's versions and pointers are copies: a new verdict and receipt time change only them."""
    from pipeline.store.receipts import load_receipts
    from pipeline.validate import validate_datasets

    rep = fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    update_store(fx, T1)
    fx.put("2026-10", "disdukcapil", "agendas", [{**AGENDA, "date": "kemarin"}])
    fx.receipt("submissions/2026-10/disdukcapil/agendas.csv", rep.sha256, "2026-11-05 14:30:00")
    loaded = Store.load(fx.output / "store")
    key = ("2026-10", "disdukcapil", "agendas")
    before = ([vars(v).copy() for v in loaded.versions[key]], vars(loaded.pointers[key]).copy())
    reports = validate_datasets(fx.portal, loaded.previous_agenda_ids)
    receipts = load_receipts(fx.datasets / "receipts.csv", fx.portal.tz)
    new, _ = loaded.update(reports, lambda f: (fx.datasets / f).read_bytes(), receipts,
                           {"agencies": "a", "services": "s"}, T2, DAY)
    assert ([vars(v) for v in loaded.versions[key]], vars(loaded.pointers[key])) == before
    assert new.versions[key][0] is not loaded.versions[key][0] and type(new.versions[key][0]) is type(
        loaded.versions[key][0])
    assert new.versions[key][0].received_at == "2026-11-05T14:30:00+07:00" and new.pointers[key].current == 2


def test_performance_rows_carry_the_digest_of_the_bytes_they_were_decoded_from(fx: Fixture) -> None:
    """The indicators' memo takes a month's performance rows by the SHA-256 of the bytes decoded (a file of the
    store, or a kept judgement's text): equal digests, equal bytes, equal rows. So are the agendas' (memo.py)."""
    fx.put("2026-10", "disdukcapil", "performance", [perf_row("2026-10", "disdukcapil", "ktp", u=["3.5"] * 9)])
    fx.put("2026-10", "disdukcapil", "agendas", [AGENDA])
    store, _ = update_store(fx, T1)
    perf, agendas = (next(v for v in store.published() if v.table == t) for t in ("performance", "agendas"))
    assert store.rows_digest(perf) is None  # not decoded yet
    rows = store.rows(perf)
    data = (fx.output / "store" / perf.rows_path).read_bytes()
    digest = hashlib.sha256(data.rstrip(b"\n")).hexdigest()  # JSON reads the same without its line break
    assert rows and store.rows_digest(perf) == digest
    # The agendas' rows too (the memo names a meeting by where it was read), of the bytes decoded.
    agenda_data = (fx.output / "store" / agendas.rows_path).read_bytes()
    assert store.rows_digest(agendas) is None
    assert store.rows(agendas) and store.rows_digest(agendas) == hashlib.sha256(agenda_data.rstrip(b"\n")).hexdigest()
    # The same rows from a kept judgement's text (validate/cache.py keeps it without the line break) have the
    # same digest; rows already decoded when kept have none (the memo hashes the decoded rows then).
    text = data.decode("utf-8").rstrip("\n")
    for kept, expected in ((KeptRows(text, 1, frozenset()), digest), (rows, None)):
        again = Store.load(fx.output / "store")
        again._kept_rows[perf.rows_path] = kept
        assert again.rows(perf) == rows and again.rows_digest(perf) == expected
    # An update carries the digests of the rows it keeps decoded.
    receipts = load_receipts(fx.datasets / "receipts.csv", fx.portal.tz)
    new, _ = store.update([], lambda f: None, receipts, {"agencies": "a", "services": "s"}, T2, DAY)
    assert new.rows_digest(perf) == digest
