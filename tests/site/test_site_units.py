"""Pure parts of the site stage: markup, charts, stats, links, contexts (no browser)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.core.errors import SiteError
from pipeline.core.ikm import grade
from pipeline.core.periods import last_ended, span
from pipeline.site import paging, urls, views
from pipeline.site.build import TEMPLATES, kits
from pipeline.site.charts import Series, line_chart, nice_ticks
from pipeline.site.loader import load_site_data
from pipeline.site.markup import render_markdown, safe_url
from pipeline.site.models import Perf
from pipeline.site.pages import agencies, agendas, decisions, home
from pipeline.site.render import Renderer, relative, relativize
from pipeline.site.stats import monthly, totals, weighted_ikm
from pipeline.site.writer import Writer
from tests.site.html_scan import scan

AS_OF = date(2026, 11, 28)


@pytest.fixture(scope="module")
def data(fixture_portal):
    """The fixture output, loaded."""
    return load_site_data(fixture_portal, AS_OF)


@pytest.fixture(scope="module")
def kit_id():
    """The Indonesian kit."""
    return kits(TEMPLATES)["id"]


@pytest.fixture(scope="module")
def kit_en():
    """The English kit."""
    return kits(TEMPLATES)["en"]


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![i](data:image/svg+xml;base64,PHN2Zz4=)",
    '<iframe src="https://evil.example"></iframe>',
    '<a href="javascript:alert(1)" onclick="x()">c</a>',
    "<svg onload=alert(1)>",
    "[rel](/etc/passwd)",
])
def test_hostile_markdown_leaves_no_active_content(text: str) -> None:
    html = str(render_markdown(text))
    assert scan(html) == []
    assert "<img" not in html and "<svg" not in html and 'href="/' not in html


def test_markdown_keeps_safe_formatting_and_links() -> None:
    html = str(render_markdown("# Judul\n\n**tebal** dan [tautan](https://contoh.go.id/a?b=1)\n\n- satu\n- dua"))
    assert "<h3>Judul</h3>" in html
    assert "<strong>tebal</strong>" in html
    assert 'href="https://contoh.go.id/a?b=1"' in html and 'rel="noopener noreferrer nofollow ugc"' in html
    assert "<li>satu</li>" in html


def test_safe_url_only_http_https() -> None:
    assert safe_url("https://contoh.go.id/notulen.pdf") == "https://contoh.go.id/notulen.pdf"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url('https://x.example/"onmouseover="a') is None
    assert safe_url("ftp://x.example/") is None
    assert safe_url(None) is None


def test_ikm_weighting_and_grades() -> None:
    def row(resp: int, score: float, ikm: float | None = None) -> Perf:
        return Perf("2026-10", "a", "s", 1, 1, 1, None, None, 0, 0, resp, (score,) * 9, ikm, None, None)

    assert weighted_ikm([row(10, 3.5, 87.5)]) == 87.5  # a single row keeps the published value
    assert weighted_ikm([row(30, 3.0), row(10, 4.0)]) == 81.25  # 25 × (30×3 + 10×4) / 40
    assert weighted_ikm([row(0, 3.0)]) is None
    assert [grade(v) for v in (88.31, 88.30, 76.61, 76.60, 65.0, 64.99)] == ["A", "B", "B", "C", "C", "D"]
    assert totals("2026-10", [row(0, 3.0)]).grade is None  # nobody surveyed: no grade


def test_monthly_totals_and_period_span(data) -> None:
    series = monthly(data.performance)
    assert [t.period for t in series] == ["2026-08", "2026-09", "2026-10"]
    assert series[0].received == 300 and series[0].completed == 270 and series[0].within_standard == 240
    assert span("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_chart_is_accessible_svg_with_gaps() -> None:
    svg = str(line_chart("c1", "Judul <x>", ["Jan", "Feb", "Mar"], [Series("S", (1.0, None, 3.0))]))
    assert svg.startswith('<svg class="chart"') and 'role="img"' in svg and 'aria-labelledby="c1-t"' in svg
    assert "<title id=\"c1-t\">Judul &lt;x&gt;</title>" in svg
    assert svg.count("<circle") == 2 and "<polyline" not in svg  # a gap leaves two single points
    assert nice_ticks(0, 97) == [0, 25, 50, 75, 100]


def test_first_and_last_points_stand_inside_the_plot() -> None:
    import re

    svg = str(line_chart("c2", "T", ["Jan", "Feb", "Mar"], [Series("S", (1.0, 2.0, 3.0))]))
    xs = [float(x) for x in re.findall(r'<circle cx="([0-9.]+)"', svg)]
    # The plot runs from x 50 to 426 (440 wide, margins 50 and 14); a dot has radius 3.5.
    assert xs and min(xs) - 3.5 > 50 + 5 and max(xs) + 3.5 < 426 - 5


@pytest.mark.parametrize("target,page,expected", [
    ("/instansi/", "/", "instansi/"),
    ("/", "/instansi/x/", "../../"),
    ("/instansi/x/", "/instansi/x/", "./"),
    ("/keputusan/#overdue", "/en/", "../keputusan/#overdue"),
    ("/assets/site.css", "/en/agenda/a/b/", "../../../../assets/site.css"),
    ("/data/x.csv", "/data/", "x.csv"),
])
def test_relative_links(target: str, page: str, expected: str) -> None:
    assert relative(target, page) == expected


def test_relativize_only_touches_root_links() -> None:
    html = '<a href="/data/">d</a><a href="https://x.example/">x</a><a href="#top">t</a>'
    assert relativize(html, "/en/") == '<a href="../data/">d</a><a href="https://x.example/">x</a><a href="#top">t</a>'


def test_writer_refuses_same_path_twice(tmp_path) -> None:
    writer = Writer(tmp_path)
    writer.write_text("/a/index.html", "x")
    with pytest.raises(SiteError, match="dua kali"):
        writer.write_text("a/index.html", "y")
    with pytest.raises(SiteError):
        writer.write_text("/../escape.html", "z")


def test_loader_types_and_overdue(data) -> None:
    assert data.agencies["disdukcapil"].joined_on == date(2025, 1, 2)
    k01 = next(d for d in data.decisions if d.decision_id == "K-01")
    k02 = next(d for d in data.decisions if d.decision_id == "K-02")
    assert k01.overdue and not k02.overdue
    assert k01.responsible == ("disdukcapil",)
    # A file's report page needs its report in the store; the fixture has none, so only month pages.
    assert data.feedback == {} and data.reports == {}
    assert data.feedback_months[("2026-10", "dpmptsp")] == "2026-10/dpmptsp/index.html"


def test_home_figures_latest_month(data, kit_id, kit_en) -> None:
    fig = home.figures(data, kit_id)
    assert fig["period"] == "Oktober 2026" and fig["served"] == "276" and fig["within"] == "89,1%"
    assert fig["grade"] == "B"
    assert home.figures(data, kit_en)["within"] == "89.1%"


def test_home_overdue_and_upcoming(data, kit_id) -> None:
    page = home.pages(data, kit_id)[0]
    assert [d["id"] for d in page.context["overdue"]] == ["K-01"]
    assert [a["title"] for a in page.context["upcoming"]] == ["Forum konsultasi publik"]


def test_agency_page_unsafe_website_is_dropped(data, kit_id) -> None:
    page = agencies.agency_page(data.agencies["disdukcapil"], data, kit_id)
    assert page.context["agency"]["website"] is None  # the fixture has javascript:alert(1)
    assert page.path == "/instansi/disdukcapil/"
    record = page.context["record"]
    assert {c["state"] for r in record["rows"] for c in r["cells"]} == {"accepted", "rejected"}


def test_decision_history_dates_each_change(data, kit_en) -> None:
    k01 = next(d for d in data.decisions if d.decision_id == "K-01")
    rows = decisions.history(k01, data, kit_en)
    assert [(r["period"], r["status"], r["changed"]) for r in rows] == [
        ("September 2026", "open", False), ("October 2026", "in-progress", True)]
    assert rows[0]["received"] == "28 September 2026"


def test_agenda_history_says_what_changed_in_each_version(data, kit_en) -> None:
    fkp = next(a for a in data.agendas if a.agenda_id == "FKP-12")
    rows = agendas.history(fkp, data, kit_en)
    assert [(r["period"], r["date"], r["first"]) for r in rows] == [
        ("August 2026", "26 November 2026", True), ("October 2026", "3 December 2026", False)]
    assert rows[0]["received"] == "28 August 2026" and rows[0]["changes"] == []
    assert [c["label"] for c in rows[1]["changes"]] == ["Date", "Start time", "Place", "Title"]
    assert rows[1]["changes"][-1]["title"] == "Forum konsultasi publik"
    page = agendas.agenda_page(fkp, data, kit_en)
    assert page.context["history"] == rows


def test_agenda_page_renders_its_history(data, kit_id) -> None:
    page = next(p for p in agendas.pages(data, kit_id) if p.path.endswith("/FKP-12/"))
    html = Renderer(TEMPLATES, data).render(page, kit_id)
    table = html[html.index('id="h-history"'):]
    assert table.count("<tr><th scope=\"row\">") == 2
    assert "Laporan pertama" in table and "Judul: <q>Forum konsultasi publik</q>" in table


def test_english_paths_mirror_indonesian() -> None:
    assert urls.localise(urls.agency("bpjs-kes"), "en") == "/en/instansi/bpjs-kes/"
    assert urls.output_file("/en/instansi/bpjs-kes/") == "en/instansi/bpjs-kes/index.html"
    assert urls.output_file("/") == "index.html"


def test_last_ended_month_is_used_for_figures(data, kit_id) -> None:
    assert last_ended(date(2026, 11, 28)) == "2026-10" and last_ended(date(2027, 1, 5)) == "2026-12"
    early = load_site_data(data.portal, date(2026, 10, 15))  # October is not over yet
    assert views.latest_period(early) == "2026-09"


def test_missing_file_links_to_the_month_summary(data, kit_id) -> None:
    from pipeline.site.views import submission_cell

    rejected = next(s for s in data.submissions if s.status == "rejected")
    cell = submission_cell(rejected, data, kit_id)
    # The fixture has no store, so no file's report page is built: the link goes to the month page
    # (with the sample, test_site_reports.py follows a rejected file's link to its own report).
    assert cell["state"] == "rejected" and cell["url"] == f"/laporan/{rejected.period}/{rejected.agency_code}/"
    late = next(s for s in data.submissions if s.on_time is False)
    assert submission_cell(late, data, kit_id)["label"] == "Diterima, terlambat"
    missing = next(s for s in data.submissions if s.status == "missing")
    # No page of its own: the link goes to the agency's month summary, which lists what is owed.
    assert submission_cell(missing, data, kit_id)["url"] == f"/laporan/{missing.period}/bpjs-kes/"


def test_changelog_summarises_each_release(data, kit_en) -> None:
    from pipeline.site.pages.catalogue import release_view

    view = release_view(data.releases[0], data, kit_en)
    assert view["iso"] == "2026-11-12"
    assert view["summary"] == ["Added: 1 Service performance files, October 2026, from 1 agencies"]
    assert view["changes"][0]["agency"]["code"] == "dpmptsp"


def test_feeds_and_calendars_are_dated_from_the_data(data, kit_id) -> None:
    from pipeline.site import feeds

    atom = feeds.decisions_feed(data, kit_id).decode()
    # K-02 became done in the October report, received on 28 October at 09:00: the entry's update.
    assert "<updated>2026-10-28T09:00:00+07:00</updated>" in atom
    again = load_site_data(data.portal, date(2027, 3, 1))
    assert feeds.decisions_feed(again, kit_id).decode() == atom  # the build date never appears
    ics = feeds.agency_calendars(data)["/kalender/disdukcapil.ics"].decode()
    assert "UID:disdukcapil.FKP-12@data.mpp.contoh.go.id" in ics and "DTSTART;TZID=Asia/Jakarta:20261203T130000" in ics


def test_guide_uses_the_portal_deadline(data, kit_id) -> None:
    from pipeline.site.pages import guide

    page = guide.guide_page(data, kit_id)
    assert page.context["deadline_day"] == 10
    assert [t["name"] for t in page.context["tables"]] == ["agendas", "decisions", "performance"]
    assert page.context["tables"][0]["templates"][0]["url"] == "/templat/agendas.csv"


def test_build_without_published_data_fails_cleanly(tmp_path) -> None:
    from pipeline.core.config import load_portal
    from pipeline.site import build_site
    from tests.site.fixture_data import PORTAL_TOML

    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "portal.toml").write_text(PORTAL_TOML, encoding="utf-8")
    portal = load_portal(tmp_path / "datasets", tmp_path / "output")
    with pytest.raises(SiteError, match="publish"):
        build_site(portal, AS_OF, search=False)
    assert not (tmp_path / "output" / "site").exists()


def test_failed_build_leaves_the_previous_site(fixture_portal, tmp_path) -> None:
    import shutil

    from pipeline.core.config import load_portal
    from pipeline.site import build_site

    # A copy: the session's fixture output is read by other tests and stays as written.
    shutil.copytree(fixture_portal.output, tmp_path / "output")
    portal = load_portal(fixture_portal.datasets, tmp_path / "output")
    build_site(portal, AS_OF, search=False)
    site = portal.output / "site"
    before = (site / "index.html").read_bytes()
    broken = tmp_path / "templates"
    shutil.copytree(TEMPLATES, broken)
    (broken / "decision.html").write_text("{% extends 'base.html' %}{% block main %}{{ nope.nothing }}{% endblock %}")
    with pytest.raises(SiteError, match=r"decision\.html"):
        build_site(portal, AS_OF, templates=broken, search=False)
    assert (site / "index.html").read_bytes() == before
    assert [p.name for p in site.parent.iterdir() if p.name.startswith(".site")] == []


def test_every_published_table_has_a_name_in_both_languages(kit_id, kit_en) -> None:
    for name in ("agencies", "services", "performance", "agendas", "agenda_history", "decisions",
                 "decision_history", "submissions"):
        assert kit_id.label("table", name) != name and kit_en.label("table", name) != name, name


def test_home_compares_the_same_agencies_and_explains_gaps(data, kit_id, kit_en) -> None:
    # The fixture: disdukcapil (two services) and dpmptsp report every month; bpjs-kes owes
    # its files and sends none. October completed 92 per service (3 services), September 91.
    fig = home.figures(data, kit_en)
    assert fig["reported"] == "2 of 3 agencies reported"
    assert fig["same"]["n"] == "2" and (fig["same"]["before"], fig["same"]["now"]) == ("September 2026", "October 2026")
    assert (fig["same"]["rows"][0]["before"], fig["same"]["rows"][0]["now"]) == ("273", "276")
    assert [(g["agency"]["code"], g["month"], g["reason"]) for g in fig["gaps"]] == [
        ("bpjs-kes", "September 2026", "file not sent"), ("bpjs-kes", "October 2026", "file not sent")]
    assert home.figures(data, kit_id)["reported"] == "2 dari 3 instansi melapor"


@pytest.mark.parametrize("written, english", [
    ("30 menit", "30 minutes"), ("1 hari kerja", "1 working day"), ("14 hari kerja", "14 working days"),
    ("2 jam", "2 hours"), ("Sesuai jadwal sidang", "Sesuai jadwal sidang"),
])
def test_standard_times_read_in_english(kit_id, kit_en, written: str, english: str) -> None:
    assert kit_en.duration(written) == english
    assert kit_id.duration(written) == written


def test_pager_shows_the_ends_and_the_pages_near_the_current_one(kit_id) -> None:
    nav = paging.pager(kit_id, 7, 14, urls.decisions_page, "Halaman daftar keputusan")
    assert nav is not None
    shown = [None if link["gap"] else link["n"] for link in nav["links"]]
    assert shown == [1, None, 5, 6, 7, 8, 9, None, 14]
    assert nav["status"] == "Halaman 7 dari 14"
    assert (nav["prev"], nav["next"]) == ("/keputusan/6/", "/keputusan/8/")
    assert [link["url"] for link in nav["links"] if not link["gap"] and link["current"]] == ["/keputusan/7/"]
    first = paging.pager(kit_id, 1, 3, urls.decisions_page, "x")
    assert first is not None and first["prev"] is None and first["links"][0]["url"] == "/keputusan/"
    assert paging.pager(kit_id, 1, 1, urls.decisions_page, "x") is None  # one page: no navigation


def test_chunks_keep_every_row_in_order() -> None:
    assert paging.chunks(list(range(51)), 25) == [list(range(25)), list(range(25, 50)), [50]]
    assert paging.chunks([], 25) == [[]]  # an empty register still has its first page


def test_an_empty_chart_says_what_is_missing_and_why(kit_id, kit_en) -> None:
    from pipeline.site.chart_views import volume_chart

    summary = volume_chart("c", "X", [], ["2026-09", "2026-10"], kit_id)["summary"]
    assert summary.startswith("Belum ada angka untuk bulan-bulan ini: tidak ada berkas kinerja yang diterima")
    assert "ditolak" in summary and "belum bergabung" in summary
    english = volume_chart("c", "X", [], ["2026-09", "2026-10"], kit_en)["summary"]
    assert "no performance file was accepted (not sent, rejected, or the agency had not yet joined)" in english
