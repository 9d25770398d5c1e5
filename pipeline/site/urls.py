"""Permalinks of every page, without the language prefix (English adds /en in front).

Sub-folders that hold both fixed names and data-derived names are avoided, so no agency
code or identifier can collide with a fixed page: month pages start with a digit, agency
codes with a letter.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

HOME = "/"
AGENCIES = "/instansi/"
SERVICES = "/layanan/"
AGENDAS = "/agenda/"
DECISIONS = "/keputusan/"
PERFORMANCE = "/kinerja/"
SUBMISSIONS = "/kepatuhan/"
DATA = "/data/"
CHANGELOG = "/data/perubahan/"
GUIDE = "/untuk-instansi/"
SEARCH = "/cari/"
FEEDBACK = "/laporan/"
CALENDAR = "/kalender/mpp.ics"
EVALUATION = "/evaluasi/"
METHODOLOGY = "/evaluasi/metodologi/"
MEETINGS_MAP = "/evaluasi/siapa-bertemu-siapa/"


@functools.lru_cache(maxsize=65536)  # a build asks for each agency's, month's and file's segment again and again
def _seg(value: str) -> str:
    """One path segment, percent-encoded (identifiers follow the contract's safe pattern anyway)."""
    return quote(value, safe="")


def sector(code: str) -> str:
    """Agencies of one sector."""
    return f"/sektor/{_seg(code)}/"


def agency(code: str) -> str:
    """One agency's page."""
    return f"/instansi/{_seg(code)}/"


def service(code: str) -> str:
    """One service's page, with its performance."""
    return f"/layanan/{_seg(code)}/"


def agency_performance(code: str) -> str:
    """One agency's performance, service by service."""
    return f"/kinerja/{_seg(code)}/"


def agenda_month(period: str) -> str:
    """The agendas of one month."""
    return f"/agenda/{period}/"


def agenda(agency_code: str, agenda_id: str) -> str:
    """One agenda."""
    return f"/agenda/{_seg(agency_code)}/{_seg(agenda_id)}/"


def decision(agency_code: str, decision_id: str) -> str:
    """One decision, with its history."""
    return f"/keputusan/{_seg(agency_code)}/{_seg(decision_id)}/"


def submissions_month(period: str) -> str:
    """The files of one month, agency by agency."""
    return f"/kepatuhan/{period}/"


def table(name: str) -> str:
    """The catalogue page of a published table (fixed by the team's interface)."""
    return f"/data/{_seg(name)}/"


def data_file(name: str) -> str:
    """A published file, copied as it is next to the catalogue pages."""
    return f"/data/{_seg(name)}"


def template_file(name: str, folder: bool = False) -> str:
    """A template for agencies (``folder``: ``<agency>/<file>``, one agency's own)."""
    if folder:
        return "/templat/" + "/".join(_seg(part) for part in name.split("/"))
    return f"/templat/{_seg(name)}"


def feedback(rel: str) -> str:
    """A report page under /laporan/, by its place under <output>/feedback/ (a folder's index as the folder)."""
    return FEEDBACK + "/".join(_seg(p) for p in rel.removesuffix("index.html").split("/"))


CALENDAR_PAGE = "/kalender/"
CALENDAR_COORDINATION = "/kalender/rapat-koordinasi.ics"


def agenda_ics(agency_code: str, agenda_id: str) -> str:
    """One agenda as its own iCalendar file, beside its page."""
    return agenda(agency_code, agenda_id) + "acara.ics"


def webcal(site_url: str, path: str) -> str:
    """A calendar's subscribe link: the same address with the webcal scheme calendar apps open."""
    rest = site_url.split("://", 1)[-1]
    return f"webcal://{rest}{path}"


def calendar(agency_code: str) -> str:
    """One agency's agenda calendar."""
    return f"/kalender/{_seg(agency_code)}.ics"


def feed(name: str) -> str:
    """An Atom feed (``keputusan`` or ``rilis-data``); per language."""
    return f"/feed/{name}.xml"


def quarter(label: str) -> str:
    """The evaluation of one quarter (``2026-Q3``: starts with a digit, unlike the fixed pages beside it)."""
    return f"/evaluasi/{_seg(label)}/"


def scorecard(code: str) -> str:
    """One agency's scorecard, quarter by quarter."""
    return f"/rapor/{_seg(code)}/"


def localise(path: str, lang: str) -> str:
    """The path of a page in ``lang`` (Indonesian at /, English under /en/)."""
    return path if lang == "id" else "/en" + path


def output_file(path: str) -> str:
    """The file a page path is written to, relative to the site root."""
    rel = path.lstrip("/")
    return rel + "index.html" if rel == "" or rel.endswith("/") else rel


def decisions_page(number: int) -> str:
    """Page ``number`` of the decisions register (the first is the register itself; the rest start with a digit)."""
    return DECISIONS if number == 1 else f"{DECISIONS}{number}/"


def agency_year(code: str, year: int) -> str:
    """One agency's meetings, decisions and files of one year (a digit under the agency's folder)."""
    return f"{agency(code)}{year}/"
