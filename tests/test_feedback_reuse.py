"""Feedback pages read back from the last publish (publish/reuse.py): only the pages whose inputs
changed are rendered, a page changed since it was recorded is rendered again, and the folder
equals the one a fresh publish writes."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.publish import feedback
from pipeline.publish import run as publish
from tests.publish_support import Fixture, agenda, digest_reads, make_fixture, tree_bytes

AS_OF = date(2026, 11, 28)
NOW = datetime.fromisoformat("2026-11-28T06:15:00+07:00")


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The template of every feedback page rendered (not read back), with the agency-month it is for."""
    seen: list[str] = []
    real = feedback._render

    def counted(template: Any, context: Any, *args: Any) -> str:
        # A month page's arguments: portal, period, agency...; a file page's: portal, store, row, names.
        where = f"{args[1]}/{args[2]}" if template.name == "month.html" else \
            f"{args[2]['period']}/{args[2]['agency_code']}"
        seen.append(f"{template.name} {where}")
        return real(template, context, *args)

    monkeypatch.setattr(feedback, "_render", counted)
    monkeypatch.setattr(publish, "FORK", False)  # rendered in this process, where ``seen`` is
    return seen


def test_only_the_changed_agency_months_pages_are_rendered(tmp_path: Path, rendered: list[str]) -> None:
    """A new file of dpmptsp in October renders that month's page and the file's page; every other page
    is read back, and the folder is the one a publish from scratch writes."""
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    fx.put("2026-10", "disdukcapil", "agendas", [agenda("A-2", "planned", "2026-10-02")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert rendered  # the first run renders every page
    rendered.clear()
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert rendered == []  # nothing changed: every page read back
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert sorted(rendered) == ["file.html 2026-10/dpmptsp", "month.html 2026-10/dpmptsp"]
    fresh = Fixture(fx.datasets, tmp_path / "fresh")
    publish.publish_data(fresh.portal, AS_OF, NOW)
    assert tree_bytes(fx.output / "feedback") == tree_bytes(fresh.output / "feedback")


def test_a_page_changed_since_it_was_recorded_is_rendered_again(tmp_path: Path, rendered: list[str]) -> None:
    """The record holds each page's SHA-256: a page edited by hand (or left by a killed run) is never reused."""
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    page = fx.output / "feedback" / "2026-09" / "disdukcapil" / "index.html"
    good = page.read_bytes()
    page.write_bytes(b"<p>tampered</p>")
    rendered.clear()
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert "month.html 2026-09/disdukcapil" in rendered
    assert page.read_bytes() == good


def test_a_page_replaced_by_a_link_is_rendered_again(tmp_path: Path, rendered: list[str]) -> None:
    """A kept page replaced by a link to a file holding its very bytes is not read back through the link:
    the page is rendered again and put back as a regular file."""
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    page = fx.output / "feedback" / "2026-09" / "disdukcapil" / "index.html"
    good = page.read_bytes()
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_bytes(good)
    page.unlink()
    page.symlink_to(elsewhere)
    rendered.clear()
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert "month.html 2026-09/disdukcapil" in rendered
    assert not page.is_symlink() and page.read_bytes() == good


def test_pages_that_last_are_kept_by_stat_without_being_read(tmp_path: Path, rendered: list[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A page recorded with its stat (written well before it was moved in, or found holding its bytes
    long after its last change) is neither read nor rendered while its stat holds, the folder equals a
    fresh publish's, and a page changed by hand is rendered again."""
    from pipeline.publish import reuse
    monkeypatch.setattr(reuse, "RACY_NS", 0)  # every page lasts at once (else: 2 s after its last change)
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    read: list[str] = []
    real = reuse.regular_bytes

    def counted(path: Any) -> Any:
        read.append(str(path))
        return real(path)

    monkeypatch.setattr(reuse, "regular_bytes", counted)
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    rendered.clear()
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert sorted(rendered) == ["file.html 2026-10/dpmptsp", "month.html 2026-10/dpmptsp"]
    assert [p for p in read if "/feedback/" in p] == []  # every other page kept by its stat
    fresh = Fixture(fx.datasets, tmp_path / "fresh")
    publish.publish_data(fresh.portal, AS_OF, NOW)
    assert tree_bytes(fx.output / "feedback") == tree_bytes(fresh.output / "feedback")
    page = fx.output / "feedback" / "2026-09" / "disdukcapil" / "index.html"
    good = page.read_bytes()
    page.write_bytes(b"<p>tampered</p>")
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-2", "planned", "2026-10-10")])
    rendered.clear()
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert "month.html 2026-09/disdukcapil" in rendered and page.read_bytes() == good


def test_reports_digests_are_kept_by_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file page's key holds its report's SHA-256, taken by stat from ``feedback-digests.json`` once the
    report lasts: only the report of the new version (in memory, not yet written) is hashed, and the
    pages are a fresh publish's."""
    from pipeline.core import treehash
    from pipeline.store import Store

    monkeypatch.setattr(publish, "FORK", False)  # the pages' keys made in this process, where the count is
    monkeypatch.setattr(treehash, "RACY_NS", 0)
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    publish.publish_data(fx.portal, AS_OF, NOW)  # reads the reports once, keeps their digests
    assert (fx.output / "store" / "feedback-digests.json").is_file()
    hashed: list[tuple[str, str, str]] = []
    real = Store.report_digest

    def counted(self: Store, version: Any) -> str:
        hashed.append(version.key)
        return real(self, version)

    monkeypatch.setattr(Store, "report_digest", counted)
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-2", "planned", "2026-10-10")])
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert hashed == [("2026-10", "dpmptsp", "agendas")]
    # The same store with nothing kept renders every page alike (a fresh publish would number the
    # corrected file's version 1: it never saw the first).
    again = tmp_path / "again"
    shutil.copytree(fx.output, again)
    for record in ("feedback-inputs.json", "feedback-digests.json"):
        (again / "store" / record).unlink()
    publish.publish_data(Fixture(fx.datasets, again).portal, AS_OF, NOW)
    assert tree_bytes(fx.output / "feedback") == tree_bytes(again / "feedback")


def test_reports_a_run_writes_are_kept_by_stat_for_the_next_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first publish hashes its reports from memory and keeps their digests with their stat once written and
    lasting: the next publish reads no report of the store to make the pages' keys, and its pages are those a
    publish with nothing kept makes."""
    from pipeline.core import treehash

    monkeypatch.setattr(publish, "FORK", False)
    monkeypatch.setattr(treehash, "RACY_NS", 0)  # every report lasts at once (else: 2 s after it was written)
    fx = make_fixture(tmp_path)
    fx.put("2026-09", "disdukcapil", "agendas", [agenda("A-1", "planned", "2026-09-02")])
    fx.put("2026-10", "dpmptsp", "agendas", [agenda("N-1", "planned", "2026-10-09")])
    publish.publish_data(fx.portal, AS_OF, NOW)  # the first: every report in memory
    reports = {str(p) for p in (fx.output / "store" / "reports").rglob("*.json")}
    assert reports
    read = digest_reads(monkeypatch)
    fx.put("2026-10", "dpmptsp", "decisions", [])
    publish.publish_data(fx.portal, AS_OF, NOW)
    assert not reports & set(read)
    again = tmp_path / "again"
    shutil.copytree(fx.output, again)
    for record in ("feedback-inputs.json", "feedback-digests.json"):
        (again / "store" / record).unlink()
    shutil.rmtree(again / "feedback")
    publish.publish_data(Fixture(fx.datasets, again).portal, AS_OF, NOW)
    assert tree_bytes(fx.output / "feedback") == tree_bytes(again / "feedback")


def test_the_index_counts_each_agency_months_files_by_status(tmp_path: Path) -> None:
    # The counts are made in index_context (the template's filters counting them cost most of its time).
    from pipeline.core.config import load_portal
    fx = make_fixture(tmp_path)
    portal = load_portal(fx.datasets, fx.output)
    months = [{"period": "2026-09", "agency": a, "href": f"2026-09/{a}/index.html", "agency_name": a.upper(),
               "statuses": statuses, "month": {"id": "September 2026", "en": "September 2026"}}
              for a, statuses in (("a", ["accepted", "rejected", "missing"]), ("b", ["rejected", "rejected", "missing"]),
                                  ("c", ["accepted", "accepted", "accepted"]))]
    html = feedback.environment().get_template("index.html").render(feedback.index_context(portal, months, []))
    assert ": 3 instansi, 3 ditolak, 2 belum dikirim" in html and "3 agencies, 3 rejected, 2 not received" in html
    rows = [line for line in html.splitlines() if line.startswith('<tr><th scope="row">')]
    assert [row.split("</a></th>")[1] for row in rows] == [
        "<td>1</td><td>1</td><td>1</td></tr>", "<td>0</td><td>2</td><td>1</td></tr>", "<td>3</td><td>0</td><td>0</td></tr>"]
    assert "statuses" in months[0] and "accepted" not in months[0]  # the page's inputs are left as they were


def test_a_folder_s_record_is_saved_unflushed_and_one_cut_short_builds_every_file_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record of a folder's files (``reuse.Reuse``) is a cache, written without an ``fsync``; one that a power
    loss left short is not JSON: every file is built again, none taken on its word."""
    import json
    import os

    from pipeline.publish.reuse import Reuse

    output = tmp_path / "output"
    (output / "templates" / "a").mkdir(parents=True)
    built: list[str] = []

    def build(rel: str) -> bytes:
        built.append(rel)
        return f"{rel}\n".encode()

    def run() -> Reuse:
        reuse = Reuse(output, "templates")
        for rel in ("a/one.txt", "a/two.txt"):
            data = reuse.get(rel, "key-" + rel, lambda rel=rel: build(rel))
            if data is not None:
                (output / "templates" / rel).write_bytes(data)
        reuse.save()
        return reuse

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    run()
    assert synced == [] and len(json.loads(Reuse(output, "templates").record.read_bytes())) == 2
    built.clear()
    assert run().in_place == {"a/one.txt", "a/two.txt"} and built == []  # kept: read back, not built
    record = output / "store" / "templates-inputs.json"
    record.write_bytes(record.read_bytes()[:-9])
    built.clear()
    run()
    assert built == ["a/one.txt", "a/two.txt"]
