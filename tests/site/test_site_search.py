"""Search that forgives: other names, misspellings, English names, grouped and labelled results, more than 20.

Run against the sample site (``search_server``), searched with the site's own index (indeks-cari/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.site.conftest import REPO

TIMEOUT = 15_000


@pytest.fixture()
def phone(browser, search_server):
    """A phone-sized page that records script errors."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert errors == []


def _search(pg, server: str, path: str) -> str:
    """Open a search URL and wait for its results; return their text."""
    pg.goto(server + path)
    pg.locator("#results h2").first.wait_for()
    return pg.inner_text("#results")


def test_everyday_name_finds_the_agency(phone, search_server: str) -> None:
    text = _search(phone, search_server, "/cari/?q=dukcapil")
    # One page holds the word; the partitions without it must not answer with the pages of a
    # shorter word that "dukcapil" begins with (Pagefind's fallback: 52 unrelated pages).
    assert phone.locator("#results h2").first.inner_text() == "1 hasil untuk “dukcapil”"
    assert phone.locator("#results h3").all_inner_texts() == ["Instansi (1)"]
    link = phone.locator("#results a[href='/instansi/disdukcapil/']")
    assert link.count() == 1 and link.inner_text() == "Dinas Kependudukan dan Pencatatan Sipil Kota Jambi"
    assert "Juga dikenal sebagai dukcapil" in text
    phone.screenshot(path=str(REPO / "output" / "phone-search-dukcapil.png"), full_page=False)


@pytest.mark.parametrize("typed, meant, agency", [
    ("imigrsi", "imigrasi", "imigrasi"), ("Dukcapl", "dukcapil", "disdukcapil"), ("samsad", "samsat", "samsat"),
])
def test_misspelling_searches_the_closest_name(phone, search_server: str, typed: str, meant: str, agency: str) -> None:
    text = _search(phone, search_server, f"/cari/?q={typed}")
    # Either Pagefind finds nothing and the page searches the closest name instead, or Pagefind
    # itself matches the misspelling by a shared prefix (whether it does depends on how its
    # index happens to be split into chunks, which any change of page text can move) and the
    # page offers the closest name above the results. Both name it and find the agency.
    assert (f"Tidak ada hasil untuk “{typed}”. Berikut hasil untuk “{meant}”." in text
            or f"Mungkin maksud Anda: {meant} (" in text), text[:300]
    assert phone.locator(f"#results a[href='/instansi/{agency}/']").count() >= 1


def test_english_search_finds_the_passport_service_first(phone, search_server: str) -> None:
    _search(phone, search_server, "/en/cari/?q=passport")
    groups = phone.locator("#results h3").all_inner_texts()
    assert groups == ["Agencies (2)", "Services (3)"]  # immigration and the post office; three passport services
    assert not any(g.startswith("Decisions") for g in groups), "passport no longer matches 'passed'"
    services = phone.locator("#results section", has=phone.locator("h3", has_text="Services")).locator("li > a")
    assert "/en/layanan/imigrasi-paspor-el/" in services.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "Electronic passport application" in services.first.inner_text()


def test_results_are_labelled_and_not_glued(phone, search_server: str) -> None:
    text = _search(phone, search_server, "/cari/?q=paspor")
    for glued in ("BiayaGratis", "LayananStandar", "Standar waktuBiaya"):
        assert glued not in text
    kinds = phone.locator("#results li .result-kind").all_inner_texts()
    assert kinds and all(k.startswith(" · ") or k.startswith("· ") for k in kinds)


def test_more_than_twenty_results_are_reachable(phone, search_server: str) -> None:
    _search(phone, search_server, "/cari/?q=rapat")
    assert phone.locator("#results li").count() == 20
    assert phone.inner_text("#results").count("Menampilkan 20 dari ") == 1
    phone.click("#results button")
    # A locator wait, not wait_for_function: the page's CSP forbids the eval that a string predicate needs.
    phone.locator("#results li").nth(39).wait_for()
    assert phone.locator("#results li").count() == 40


def test_language_switch_keeps_the_query(phone, search_server: str) -> None:
    _search(phone, search_server, "/cari/?q=dukcapil")
    phone.click(".lang-switch")
    phone.locator("#results h2").first.wait_for()
    assert phone.url == search_server + "/en/cari/?q=dukcapil"
    assert phone.locator("#results a[href='/en/instansi/disdukcapil/']").count() == 1


def test_names_index_holds_other_names_and_english_service_names(site: Path) -> None:
    for lang, prefix, service in (("id", "", "Permohonan paspor elektronik"), ("en", "/en", "Electronic passport")):
        names = json.loads((site / prefix.strip("/") / "cari" / "names.json").read_text(encoding="utf-8"))
        terms = dict(names["terms"])
        assert names["pages"][terms["dukcapil"]][1] == f"{prefix}/instansi/disdukcapil/", lang
        assert names["pages"][terms["kanim"]][1] == f"{prefix}/instansi/imigrasi/", lang
        assert any(label.startswith(service) for label, _, kind in names["pages"] if kind == "performance"), lang
