"""An incremental build writes only what changed and comes out byte for byte as a cold build of the same data.

Differential: after each kind of change, the site built incrementally (over the previous
site) is compared, every file and every folder, with a site built cold from a copy of the
same inputs. A page key that missed an input would leave a stale page there and fail.
The swap: killed after its commit, the next run finishes it; failing before, the live site
is left byte for byte (and mtime for mtime) as it was.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import os
import pickle
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from pipeline.core.atomic import COMMIT
from pipeline.core.config import Portal, load_portal
from pipeline.core.errors import SiteError
from pipeline.site import build_site, eventcache, feeds, fingerprint, manifest, rowcache, search_index, urls
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.loader import load_site_data
from pipeline.site.page import Kit, Lazy, Page
from pipeline.site.pages import agendas, all_pages
from pipeline.site.render import Renderer
from tests.site.fixture_data import write_fixture
from tests.town_support import publish, published_town
from tools.bench import city

AS_OF = date(2026, 11, 28)
ROOT = Path(__file__).resolve().parents[2]
INPUTS = ("data", "feedback", "templates", "store", "reports")


def snapshot(site: Path) -> tuple[dict[str, bytes], set[str]]:
    """Every file's bytes and every folder of a site (an empty folder left behind counts too)."""
    files = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    folders = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir()}
    return files, folders


def mtimes(site: Path) -> dict[str, int]:
    """Every file's modification time."""
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}


def cold_copy(portal: Portal, where: Path, as_of: date, templates: Path = TEMPLATES, search: bool = False) -> Path:
    """The site of a cold build of the same inputs in another folder."""
    out = where / "output"
    for name in INPUTS:
        if (portal.output / name).exists():
            shutil.copytree(portal.output / name, out / name)
    result = build_site(load_portal(portal.datasets, out), as_of, templates=templates, search=search)
    assert not result.skipped
    return result.root


def assert_same_site(incremental: Path, cold: Path) -> None:
    """Both sites hold the same folders and the same files with the same bytes."""
    (a_files, a_dirs), (b_files, b_dirs) = snapshot(incremental), snapshot(cold)
    assert sorted(set(a_files) ^ set(b_files)) == []
    assert sorted(p for p in a_files if a_files[p] != b_files[p]) == []
    assert sorted(a_dirs ^ b_dirs) == []


def edit_csv(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    """Rewrite a published table's rows through ``change``."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows = change(rows)
    header += [k for k in dict.fromkeys(k for r in rows for k in r) if k not in header]  # a column added
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def built_fixture(root: Path) -> Portal:
    """The small published fixture under ``root`` with its site built once."""
    datasets, output = write_fixture(root)
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    return portal


@pytest.fixture()
def fixture_portal(tmp_path: Path) -> Portal:
    """The small published fixture with its site built once."""
    return built_fixture(tmp_path / "live")


def _rename_agency(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**r, "name": "Dinas Dukcapil Baru"} if r["agency_code"] == "disdukcapil" else r for r in rows]


def _decision_done(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    row = rows[0]
    return [{**row, "status": "done", "completed_on": "2026-11-01"}, *rows[1:]]


def _drop_first(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return rows[1:]


@pytest.mark.parametrize(("table", "change"), [("agencies", _rename_agency), ("decisions", _decision_done),
                                               ("agendas", _drop_first)],
                         ids=["agency-renamed", "decision-status", "agenda-removed"])
def test_a_data_change_rebuilds_like_a_cold_build(fixture_portal: Portal, tmp_path: Path, table: str,
                                                   change: Callable[[list[dict[str, str]]], list[dict[str, str]]],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    site = fixture_portal.output / "site"
    before = mtimes(site)
    edit_csv(fixture_portal.output / "data" / f"{table}.csv", change)
    capsys.readouterr()
    result = build_site(fixture_portal, AS_OF, search=False)
    line = capsys.readouterr().out
    assert not result.skipped and "pages rebuilt" in line and "halaman dibangun ulang" in line
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))
    after = mtimes(site)
    kept = [p for p in before if p in after and after[p] == before[p]]
    rewritten = [p for p in after if before.get(p) != after[p]]
    # Most of the site did not change: its files keep their mtime (not rewritten, not renamed).
    assert len(kept) > 2 * len(rewritten) > 0, (len(kept), len(rewritten))
    assert f"data/{table}.csv" in rewritten
    assert "favicon.ico" in kept and any(p.startswith("assets/") for p in kept)
    assert [p.name for p in site.parent.iterdir() if p.name.startswith(".site")] == []


def _rows(rows: list[dict[str, str]], match: dict[str, str], **values: str) -> list[dict[str, str]]:
    """The rows with ``values`` set on every row matching ``match``."""
    return [{**r, **values} if all(r[k] == v for k, v in match.items()) else r for r in rows]


FKP = {"agency_code": "disdukcapil", "agenda_id": "FKP-12"}
# Each change hits one input a lazy page declares (an agenda's, a decision's, an agency year's):
# the pages that show it must come out as a cold build's.
DECLARED: dict[str, list[tuple[str, Callable[[list[dict[str, str]]], list[dict[str, str]]]]]] = {
    # A new version of an agenda: the agenda, its versions, its month's page.
    "agenda-new-version": [
        ("agendas", lambda rows: _rows(rows, FKP, location="Aula lantai 2", period="2026-11")),
        ("agenda_history", lambda rows: [*rows, {**rows[1], "period": "2026-11", "location": "Aula lantai 2"}]),
    ],
    # The day a month's agendas file arrived: an agenda's version history dates it.
    "agendas-received": [("submissions", lambda rows: _rows(
        rows, {"period": "2026-10", "agency_code": "disdukcapil", "table": "agendas"},
        received_at="2026-10-30T15:00:00+07:00"))],
    # A decision's reported states (its page's history) and the agenda title it links to.
    "decision-history": [("decision_history", lambda rows: _rows(
        rows, {"decision_id": "K-01", "period": "2026-10"}, follow_up="Petugas baru dilatih"))],
    "agenda-title": [("agendas", lambda rows: _rows(rows, {"agenda_id": "RK-2026-09"}, title="Rapat koordinasi"))],
    # Who follows a decision up: the decision, its agenda's page and both agencies' year pages.
    "decision-responsible": [("decisions", lambda rows: _rows(rows, {"decision_id": "K-02"},
                                                               responsible="bpjs-kes;dpmptsp"))],
    # An agency's English name: every English page that names it.
    "agency-english-name": [("agencies", lambda rows: _rows(rows, {"agency_code": "bpjs-kes"},
                                                            name_en="BPJS Health"))],
    # The attendance of a held meeting.
    "attendance": [("agendas", lambda rows: [{**r, "attendees": "dpmptsp"} for r in rows])],
    # A month's figures of one service: its page and its agency's performance page.
    "performance-figure": [("performance", lambda rows: _rows(
        rows, {"period": "2026-10", "service_code": "ktp-el"}, applications_received="1234"))],
    # A closed quarter's indicator of an agency: its page links its scorecard.
    "agency-scorecard": [("indicators", lambda rows: [*rows, {
        **rows[1], "scope_type": "agency", "scope": "dpmptsp", "complete": "true", "gaps": ""}])],
    # A service's standard time: its page (the agency's performance page lists it by name).
    "service-standard": [("services", lambda rows: _rows(rows, {"service_code": "nib"}, standard_time="3 hari kerja",
                                                         name="Nomor Induk Berusaha (NIB)"))],
}


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_a_change_of_a_declared_input_rebuilds_like_a_cold_build(fixture_portal: Portal, tmp_path: Path,
                                                                 name: str) -> None:
    for table, change in DECLARED[name]:
        edit_csv(fixture_portal.output / "data" / f"{table}.csv", change)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert_same_site(fixture_portal.output / "site", cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def test_a_deadline_passing_makes_the_pages_of_an_overdue_follow_up_like_a_cold_build(
        tmp_path: Path) -> None:
    datasets, output = write_fixture(tmp_path / "live")
    portal = load_portal(datasets, output)
    # K-01 (in progress) due on 15 December: not overdue on 28 November, overdue on 16 December.
    edit_csv(output / "data" / "decisions.csv", lambda rows: _rows(rows, {"decision_id": "K-01"},
                                                                  due_date="2026-12-15"))
    build_site(portal, AS_OF, search=False)
    agenda = output / "site" / "agenda" / "dpmptsp" / "RK-2026-09" / "index.html"
    assert "is-overdue" not in agenda.read_text(encoding="utf-8")
    later = date(2026, 12, 16)
    assert not build_site(portal, later, search=False).skipped
    # The agenda's page lists its decisions with their overdue mark, and shows no build date:
    # only the decision (in its inputs) tells its key that it changed.
    assert "is-overdue" in agenda.read_text(encoding="utf-8")
    assert_same_site(output / "site", cold_copy(portal, tmp_path / "cold", later))


def test_a_lazy_page_is_built_only_when_one_of_its_inputs_changed(fixture_portal: Portal, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "built.txt"  # a file: the English pages are built in a forked child
    log.touch()
    real = Lazy.build

    def counted(self: Lazy[Any], kit: Any) -> Any:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(kit.url(self.path) + "\n")
        return real(self, kit)

    def built() -> list[str]:
        return log.read_text(encoding="utf-8").split()

    monkeypatch.setattr(Lazy, "build", counted)
    # The indicators (the evaluation pages) are on no lazy page: none is built.
    edit_csv(fixture_portal.output / "data" / "indicators.csv", lambda rows: [{**r, "value": "12.5"} for r in rows])
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert built() == []
    # K-01 (dpmptsp's, followed up by disdukcapil, from the meeting RK-2026-09) is done.
    edit_csv(fixture_portal.output / "data" / "decisions.csv", _decision_done)
    build_site(fixture_portal, AS_OF, search=False)
    assert sorted(built()) == sorted(f"{lang}{path}" for lang in ("", "/en") for path in (
        "/keputusan/dpmptsp/K-01/", "/agenda/dpmptsp/RK-2026-09/", "/instansi/disdukcapil/2026/",
        "/instansi/disdukcapil/"))


def test_an_agenda_more_changes_its_month_page_and_its_year_pages_only(fixture_portal: Portal) -> None:
    # Month pages used to list every month with its count, and year pages every year with its
    # counts: one agenda more made every month page and every year page of its agencies new.
    data = load_site_data(fixture_portal, AS_OF)
    kit = kits(TEMPLATES)["id"]

    def keys(site: Any) -> dict[str, str]:
        renderer = Renderer(TEMPLATES, site)
        return {p.path: renderer.key(p, kit, "code") for p in all_pages(site, kit)
                if p.template in ("agenda_month.html", "agency_year.html")}

    # The fixture's meetings span two months of one year: copies of one in four other months, one a year before.
    a = data.agendas[0]
    days = (date(2025, 6, 10), date(2026, 3, 10), date(2026, 5, 10), date(2026, 7, 10))
    data = dataclasses.replace(data, agendas=[*data.agendas, *(
        dataclasses.replace(a, agenda_id=f"{a.agenda_id}-{day:%m%y}", date=day) for day in days)])
    before = keys(data)
    more = dataclasses.replace(data, agendas=[*data.agendas, dataclasses.replace(a, agenda_id="X", date=date(2026, 5, 20))])
    after = keys(more)
    changed = {path for path in after if before.get(path) != after[path]}
    assert len([p for p in before if p.startswith("/agenda/")]) >= 5
    assert urls.agency_year(a.agency_code, 2025) in before
    years = {p for p in changed if p.startswith("/instansi/")}
    assert changed == {"/agenda/2026-05/"} | years and urls.agency_year(a.agency_code, 2026) in years
    assert all(p.endswith("/2026/") for p in years), years


def test_a_lazy_page_builder_can_reach_nothing_but_its_inputs(fixture_portal: Portal) -> None:
    data = load_site_data(fixture_portal, AS_OF)
    a = data.agendas[0]
    path = urls.agenda(a.agency_code, a.agenda_id)
    inputs = agendas.agenda_inputs(a, data)
    assert Lazy(path, "agenda.html", inputs, agendas.build_agenda, searchable=True).path == path
    # A builder that closes over the site data (or is a lambda, or a partial) could show what
    # its key does not hold: refused when the page is declared, not found out by a stale page.
    def sneaky(i: agendas.AgendaInputs, kit: Kit) -> Page:
        return agendas.build_agenda(agendas.agenda_inputs(data.agendas[-1], data), kit)

    for make in (sneaky, lambda i, kit: agendas.build_agenda(i, kit), functools.partial(agendas.build_agenda)):
        with pytest.raises(SiteError, match="module-level function"):
            Lazy(path, "agenda.html", inputs, make, searchable=True)
    # Built, a lazy page must be the page it was declared as (its key names path and template).
    kit = kits(TEMPLATES)["id"]
    with pytest.raises(SiteError, match="is not the declared"):
        Lazy("/agenda/lain/", "agenda.html", inputs, agendas.build_agenda, searchable=True).build(kit)


def test_only_the_calendars_showing_a_changed_agenda_are_made_again(fixture_portal: Portal, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    before = mtimes(site)
    made: list[str] = []
    real = feeds._vevent  # the maker of an agenda's event

    def counted(i: feeds.EventInputs) -> Any:
        made.append(i.agenda.agenda_id)
        return real(i)

    monkeypatch.setattr(feeds, "_vevent", counted)
    monkeypatch.setattr(feeds, "_event_in", no_live_event)
    kept = fixture_portal.output / rowcache.FOLDER / eventcache.FILE_NAME
    old = eventcache.load(kept)
    assert len(old) == 2  # the first build kept both agendas' events
    for table, change in DECLARED["agenda-new-version"]:  # disdukcapil's FKP-12 moves to another room
        edit_csv(fixture_portal.output / "data" / f"{table}.csv", change)
    build_site(fixture_portal, AS_OF, search=False)
    assert made == ["FKP-12"]  # the other agenda's event is the kept one: no live .ics file read
    new = eventcache.load(kept)
    assert len(new) == 2 and len(set(new) & set(old)) == 1  # FKP-12's event kept under its new key only
    after = mtimes(site)
    ics = sorted(p for p in after if p.endswith(".ics"))
    assert sorted(p for p in ics if after[p] != before[p]) == [
        "agenda/disdukcapil/FKP-12/acara.ics", "kalender/disdukcapil.ics", "kalender/mpp.ics"]
    assert len(ics) == 7  # the mall's, the coordination meetings', three agencies', two agendas'
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def no_live_event(ics: bytes) -> bytes | None:
    """Stands for ``feeds._event_in`` where no live calendar file may be read for its event."""
    raise AssertionError("an event was taken from a live calendar file")


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "a class inside", "another key"])
def test_kept_events_missing_or_damaged_only_cost_time(fixture_portal: Portal, tmp_path: Path, damage: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The mall's calendar is made again with no usable kept event: each unchanged agenda's event
    # comes from its live file (vouched for by the manifest), and the events are kept again.
    kept = fixture_portal.output / rowcache.FOLDER / eventcache.FILE_NAME
    body = kept.read_bytes()
    events = eventcache.load(kept)
    assert len(events) == 2
    if damage == "missing":
        kept.unlink()
    elif damage == "garbage":
        kept.write_bytes(b"\x00" * 100)
    elif damage == "truncated":
        kept.write_bytes(body[:-10])
    elif damage == "a class inside":  # a whole file (its digest right) that would build an object
        kept.write_bytes(eventcache.MAGIC + _signed(pickle.dumps({"k": Path("/")})))
    else:  # whole, but under other keys: another site code's (never stale, just not this build's)
        kept.write_bytes(eventcache.dump({k[::-1]: b"BEGIN:VEVENT\r\nEND:VEVENT\r\n" for k in events}))
    if damage != "another key":
        assert eventcache.load(kept) == {}
    read: list[bytes] = []
    real = feeds._event_in
    monkeypatch.setattr(feeds, "_event_in", lambda ics: read.append(ics) or real(ics))
    for table, change in DECLARED["agenda-new-version"]:
        edit_csv(fixture_portal.output / "data" / f"{table}.csv", change)
    build_site(fixture_portal, AS_OF, search=False)
    assert len(read) == 1  # the other agenda's live file
    assert_same_site(fixture_portal.output / "site", cold_copy(fixture_portal, tmp_path / "cold", AS_OF))
    again = eventcache.load(kept)
    assert len(again) == 2 and len(set(again) & set(events)) == 1


def _signed(payload: bytes) -> bytes:
    """A payload as a kept events file holds it (its SHA-256 first)."""
    return hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def test_kept_events_are_not_rewritten_when_no_calendar_changed(fixture_portal: Portal) -> None:
    kept = fixture_portal.output / rowcache.FOLDER / eventcache.FILE_NAME
    before = kept.stat().st_mtime_ns
    edit_csv(fixture_portal.output / "data" / "decisions.csv", _decision_done)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert kept.stat().st_mtime_ns == before


def test_kept_events_make_a_cold_site_without_icalendar(fixture_portal: Portal, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # The site folder gone, the kept events remain: every calendar comes out the same from them.
    shutil.rmtree(fixture_portal.output / "site")
    monkeypatch.setattr(feeds, "_vevent", lambda i: pytest.fail("an event was made again"))
    build_site(fixture_portal, AS_OF, search=False)
    monkeypatch.undo()
    assert_same_site(fixture_portal.output / "site", cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def test_an_agenda_calendar_edited_by_hand_never_reaches_a_calendar_made_again(fixture_portal: Portal,
                                                                               tmp_path: Path) -> None:
    # An unchanged agenda's event is taken from its live file (when none is kept) only when the
    # manifest vouches for its bytes; this one was edited by hand, so the mall's calendar builds
    # its event again.
    (fixture_portal.output / rowcache.FOLDER / eventcache.FILE_NAME).unlink()
    site = fixture_portal.output / "site"
    other = next(p for p in sorted(site.glob("agenda/*/*/acara.ics")) if "FKP-12" not in p.as_posix())
    body = other.read_bytes()
    assert b"\r\nSUMMARY:" in body
    other.write_bytes(body.replace(b"\r\nSUMMARY:", b"\r\nSUMMARY:DIUBAH "))
    for table, change in DECLARED["agenda-new-version"]:  # FKP-12 changes: the mall's calendar is made again
        edit_csv(fixture_portal.output / "data" / f"{table}.csv", change)
    build_site(fixture_portal, AS_OF, search=False)
    mall = (site / "kalender/mpp.ics").read_bytes()
    assert b"DIUBAH" not in mall
    assert mall == (cold_copy(fixture_portal, tmp_path / "cold", AS_OF) / "kalender/mpp.ics").read_bytes()


def test_a_template_change_renders_every_page_again(fixture_portal: Portal, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    templates = tmp_path / "site_templates"
    shutil.copytree(TEMPLATES, templates)
    base = templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<main id=\"main\"", "<main data-x=\"1\" id=\"main\""),
                    encoding="utf-8")
    capsys.readouterr()
    result = build_site(fixture_portal, AS_OF, templates=templates, search=False)
    assert f"{result.pages} pages rebuilt, 0 unchanged" in capsys.readouterr().out
    assert_same_site(fixture_portal.output / "site", cold_copy(fixture_portal, tmp_path / "cold", AS_OF, templates))
    assert 'data-x="1"' in (fixture_portal.output / "site" / "en" / "index.html").read_text(encoding="utf-8")


def test_another_as_of_date_rebuilds_like_a_cold_build(fixture_portal: Portal, tmp_path: Path) -> None:
    later = date(2027, 3, 1)  # decisions fall overdue, agendas are no longer upcoming
    assert not build_site(fixture_portal, later, search=False).skipped
    assert_same_site(fixture_portal.output / "site", cold_copy(fixture_portal, tmp_path / "cold", later))


def test_the_search_index_after_a_change_is_the_cold_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Shards and chunks a tenth of their size, so that the fixture's 116 pages make several of each (at full
    # size one shard and two chunks a language, all touched by a renamed agency).
    monkeypatch.setattr(search_index, "SHARD_BYTES", 1024)
    monkeypatch.setattr(search_index, "CHUNK_BYTES", 4 * 1024)
    datasets, output = write_fixture(tmp_path / "live")
    portal = load_portal(datasets, output)
    build_site(portal, AS_OF, search=True)
    site = portal.output / "site"
    before = mtimes(site / "indeks-cari")
    edit_csv(output / "data" / "agencies.csv", _rename_agency)
    build_site(portal, AS_OF, search=True)
    assert_same_site(site, cold_copy(portal, tmp_path / "cold", AS_OF, search=True))
    after = mtimes(site / "indeks-cari")
    assert after != before  # the renamed agency is on searchable pages
    # Only the index files whose bytes changed were written: the others keep their mtime.
    assert any(after.get(name) == mtime for name, mtime in before.items())
    # A change no searchable page shows (a data file's bytes only) leaves the index untouched.
    (output / "data" / "datapackage.zip").write_bytes(b"PK\x05\x06" + b"\1" * 18)
    assert not build_site(portal, AS_OF, search=True).skipped
    assert mtimes(site / "indeks-cari") == after
    assert (site / "data" / "datapackage.zip").read_bytes().endswith(b"\1" * 18)


# What a page's context may hold: a page key is the digest of its ``repr``, which is complete and
# the same in every process for these types only (a set's order, or an object's address, is not).
PLAIN = (str, int, float, bool, type(None), date, datetime, time, Markup)


def unplain(value: Any, seen: set[str]) -> None:
    """Collect into ``seen`` the type of anything in a context that is not plain data."""
    if isinstance(value, dict):
        for k, v in value.items():
            unplain(k, seen)
            unplain(v, seen)
    elif isinstance(value, (list, tuple)):
        for v in value:
            unplain(v, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        # The repr dataclasses generates (every field), not one written by hand.
        generated = type(value).__repr__.__code__.co_filename == dataclasses.__file__
        if not generated or any(not f.repr for f in dataclasses.fields(value)):
            seen.add(f"{type(value).__qualname__} (its repr leaves something out)")
        for f in dataclasses.fields(value):
            unplain(getattr(value, f.name), seen)
    elif not isinstance(value, PLAIN):
        seen.add(type(value).__qualname__)


def test_a_new_month_and_a_late_file_of_the_town_rebuild_like_a_cold_build(tmp_path: Path) -> None:
    town, datasets, output = published_town(tmp_path / "live")
    portal = load_portal(datasets, output)
    assert not build_site(portal, AS_OF, search=False).skipped
    data, seen, lazy = load_site_data(portal, AS_OF), set[str](), set[str]()
    for kit in kits(TEMPLATES).values():
        for page in all_pages(data, kit):
            if isinstance(page, Lazy):
                # A lazy page's key is the repr of its inputs: they must be as plain as a context.
                unplain(page.inputs, seen)
                lazy.add(page.template)
                page = page.build(kit)
            unplain([page.context, page.crumbs], seen)
    assert seen == set()
    assert lazy == {"agenda.html", "agenda_month.html", "decision.html", "report_file.html", "report_month.html",
                    "agency_year.html", "service.html", "performance_agency.html", "agency.html",
                    "submissions_month.html", "evaluation_scorecard.html"}
    for step, change in enumerate((city.add_late_month, city.correct_old_file)):
        change(town, datasets)
        publish(datasets, output)
        result = build_site(portal, AS_OF, search=False)
        assert not result.skipped
        assert_same_site(output / "site", cold_copy(portal, tmp_path / f"cold{step}", AS_OF))


# ---- the swap --------------------------------------------------------------------------

KILL_AFTER_MOVES = """
import os, signal, sys
from datetime import date, datetime
from pathlib import Path
import pipeline.core.atomic as atomic
from pipeline.core.config import load_portal
from pipeline.site import build_site
real, moved = os.replace, []
def replace(src, dst):
    real(src, dst)
    moved.append(dst)
    if len(moved) == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)
atomic.os.replace = replace
build_site(load_portal(Path(sys.argv[1]), Path(sys.argv[2])), date(2026, 11, 28), search=False)
"""


def test_a_build_killed_after_its_commit_is_finished_by_the_next_run(fixture_portal: Portal, tmp_path: Path) -> None:
    site = fixture_portal.output / "site"
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    cmd = [sys.executable, "-c", KILL_AFTER_MOVES, str(fixture_portal.datasets), str(fixture_portal.output), "3"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    staging = site.with_name(".site.new")
    assert (staging / COMMIT).is_file()  # committed: three files moved, the rest still staged
    record = fingerprint.read_record(site)
    assert record is not None and manifest.read(site, record) is not None  # still the previous site's
    result = build_site(fixture_portal, AS_OF, search=False)
    assert result.skipped  # rolled forward first: the site there is the new one, complete
    assert not staging.exists()
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def test_a_build_that_fails_before_its_commit_leaves_the_live_site_untouched(
        fixture_portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    site = fixture_portal.output / "site"
    files, stamps = snapshot(site), mtimes(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)

    def full(*_args: object, **_kwargs: object) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fingerprint, "record", full)  # the last file staged before the commit
    with pytest.raises(SiteError, match=r"disk full: .*/\.site\.new/\.build-fingerprint\. Situs sebelumnya tetap utuh"):
        build_site(fixture_portal, AS_OF, search=False)
    assert snapshot(site) == files and mtimes(site) == stamps
    assert not site.with_name(".site.new").exists()


def test_an_uncommitted_staging_left_by_a_killed_run_is_discarded(fixture_portal: Portal, tmp_path: Path) -> None:
    site = fixture_portal.output / "site"
    staging = site.with_name(".site.new")
    (staging / "agenda").mkdir(parents=True)
    (staging / "agenda" / "index.html").write_text("setengah / half", encoding="utf-8")
    files = snapshot(site)
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    build_site(fixture_portal, AS_OF, search=False)
    assert not staging.exists()
    assert snapshot(site) != files
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def _keys(site: Path) -> dict[str, str]:
    """The page keys of the live site's manifest."""
    found = manifest.read(site, fingerprint.read_record(site))
    assert found is not None
    return found.keys


def test_a_page_deleted_by_hand_is_made_again_by_the_next_build(fixture_portal: Portal, tmp_path: Path) -> None:
    site = fixture_portal.output / "site"
    rel = "data/decisions/index.html"
    gone = site / rel
    body, key = gone.read_bytes(), _keys(site)[rel]
    gone.unlink()
    # Another page's input changes (an agency's name): the build runs, and the deleted page,
    # whose own key did not change, is there again with its bytes.
    edit_csv(fixture_portal.output / "data" / "agencies.csv", _rename_agency)
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert _keys(site)[rel] == key and gone.read_bytes() == body
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def test_a_site_without_its_fingerprint_is_read_and_only_what_differs_is_swapped_in(fixture_portal: Portal,
                                                                                   tmp_path: Path) -> None:
    """No fingerprint vouches for the manifest: every page is made again, and the live files' bytes (read, not
    trusted) say which differ; an unchanged file keeps its inode and mtime, a hand edit and a stray file go."""
    site = fixture_portal.output / "site"
    (site / fingerprint.FILE_NAME).unlink()
    (site / "stray.html").write_text("tidak dikenal / unknown", encoding="utf-8")
    (site / "extra" / "deep").mkdir(parents=True)
    (site / "extra" / "deep" / "index.html").write_text("sisa / left over", encoding="utf-8")
    (site / "data" / "decisions" / "index.html").write_text("diubah / edited by hand", encoding="utf-8")
    (site / "agenda" / "index.html").unlink()
    kept = {rel: (os.stat(site / rel).st_ino, mtime) for rel, mtime in mtimes(site).items()
            if rel not in ("stray.html", "extra/deep/index.html", "data/decisions/index.html", manifest.FILE_NAME)}
    inode = site.stat().st_ino
    assert manifest.adopt(site, frozenset({manifest.FILE_NAME, fingerprint.FILE_NAME})) is not None
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert site.stat().st_ino == inode  # the same folder: only the files that differ were swapped in
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))
    after = {rel: (os.stat(site / rel).st_ino, mtime) for rel, mtime in mtimes(site).items()}
    assert sorted(rel for rel in kept if after.get(rel) != kept[rel]) == []  # (the manifest and fingerprint aside)
    assert fingerprint.read_record(site) is not None and _keys(site)  # vouched for again, with every page's key
    assert os.listdir(site.parent).count(".site.new") == 0


def test_a_site_without_its_fingerprint_holding_a_folder_where_a_file_goes_and_the_reverse(fixture_portal: Portal,
                                                                                              tmp_path: Path) -> None:
    """The swap's deletes come before its moves: a live file where the build makes a folder, and a live folder
    (with files) where it makes a file, are both taken away before the build's files are moved in."""
    site = fixture_portal.output / "site"
    (site / fingerprint.FILE_NAME).unlink()
    (site / "robots.txt").unlink()
    (site / "robots.txt" / "deep").mkdir(parents=True)  # a folder where the build writes a file
    (site / "robots.txt" / "a.html").write_text("a", encoding="utf-8")
    (site / "robots.txt" / "deep" / "b.html").write_text("b", encoding="utf-8")
    shutil.rmtree(site / "feed")
    (site / "feed").write_text("bukan folder / not a folder", encoding="utf-8")  # a file where it makes a folder
    assert manifest.adopt(site, frozenset({manifest.FILE_NAME, fingerprint.FILE_NAME})) is not None
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))


def _a_link(site: Path) -> None:
    (site / "tautan.html").symlink_to(site.parent / "outside.html")


def _an_empty_folder(site: Path) -> None:
    (site / "kosong").mkdir()


def _a_fifo(site: Path) -> None:
    os.mkfifo(site / "pipa")


def _a_name_not_utf8(site: Path) -> None:
    (site / os.fsdecode(b"nama-\xff.html")).write_text("x", encoding="utf-8")


@pytest.mark.parametrize("odd", [_a_link, _an_empty_folder, _a_fifo, _a_name_not_utf8],
                         ids=["a link", "an empty folder", "a fifo", "a name not UTF-8"])
def test_a_site_without_its_fingerprint_holding_what_no_build_makes_is_built_whole(
        fixture_portal: Portal, tmp_path: Path, odd: Callable[[Path], None]) -> None:
    """Anything a build never makes (a link is never followed) has the site replaced whole, as a new folder."""
    site = fixture_portal.output / "site"
    (site / fingerprint.FILE_NAME).unlink()
    outside = site.parent / "outside.html"
    outside.write_text("di luar situs / outside the site", encoding="utf-8")
    odd(site)
    assert manifest.adopt(site, frozenset({manifest.FILE_NAME, fingerprint.FILE_NAME})) is None
    inode = site.stat().st_ino
    assert not build_site(fixture_portal, AS_OF, search=False).skipped
    assert site.stat().st_ino != inode  # a new folder renamed into place: nothing of the unknown one is kept
    assert_same_site(site, cold_copy(fixture_portal, tmp_path / "cold", AS_OF))
    assert outside.read_text(encoding="utf-8") == "di luar situs / outside the site"
    assert os.listdir(site.parent).count(".site.new") == 0
