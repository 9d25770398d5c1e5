"""The site's own search index: every searchable page once, bounded shards, same pages same bytes,
few files changed by a new page, kept entries standing for unchanged pages, hostile text shown as text.

The browser tests of test_site_search.py search both languages of the sample with it; here: its
layout and properties, on the sample and on generated pages.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import html
import json
import math
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.site import search_index
from pipeline.site.search import LanguageIndex
from pipeline.site.search_index import Record, index_files
from pipeline.site.search_text import page_text, plain, words

KINDS = {"agencies", "performance", "agendas", "decisions", "guide"}


def _read(folder: Path, name: str) -> object:
    """One gzip-compressed JSON file of an index."""
    return json.loads(gzip.decompress((folder / name).read_bytes()))


def _searchable(site: Path, lang: str) -> set[str]:
    """The links of one language's pages marked searchable."""
    found = set()
    for path in site.rglob("index.html"):
        rel = path.relative_to(site).as_posix()
        if (rel.startswith("en/") == (lang == "en")) and b"data-pagefind-body" in path.read_bytes():
            found.add("/" + rel.removesuffix("index.html"))
    return found


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_searchable_page_is_one_record_of_its_language(site: Path, lang: str) -> None:
    folder = site / "indeks-cari" / lang
    meta = _read(folder, "meta.gz.bin")
    assert isinstance(meta, dict)
    urls = []
    for start, name in meta["chunks"]:
        rows = _read(folder, name)
        assert isinstance(rows, list) and start == len(urls)
        for url, title, kind, text in rows:
            assert title and text and kind in KINDS, url
            urls.append(url)
    assert len(urls) == len(set(urls)) == meta["pages"]
    assert set(urls) == _searchable(site, lang)
    assert urls == sorted(urls, key=lambda u: u.lstrip("/") + "index.html")  # numbered in path order
    assert not (site / "pagefind").exists()


def test_words_are_folded_and_compounds_kept_whole() -> None:
    assert words("Pelayanan e-KTP di Dinas Kependudukan") == ["pelayanan", "e", "ktp", "ektp", "di", "dinas",
                                                            "kependudukan"]
    assert words("Ñandú  café, 11.00") == ["nandu", "cafe", "11", "00", "1100"]


# Every character ``str.isspace`` knows, some tags and entities, and words: ``plain``'s inputs at their most awkward.
_PIECES = [*(chr(c) for c in range(0x3001) if chr(c).isspace()), "<p>", "</li><li>", "<b >", "&amp;", "&nbsp;",
           "&#x2028;", "e-KTP", "kata", "Ñandú", "11.00", "_", ">"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_plain_makes_one_space_of_any_white_space_as_a_substitution_did(pieces: list[str]) -> None:
    fragment = "".join(pieces)
    text = plain(fragment)
    assert text == re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", fragment))).strip()
    page = page_text(f'<main data-pagefind-body>{fragment}</main>'.encode())
    assert page is not None and page.length == len(page.text.split())


def test_page_text_is_the_searchable_elements_text() -> None:
    body = ('<html><body><header><h2>Menu</h2> kepala</header><main id="main" data-pagefind-body '
            'data-pagefind-meta="kind:agendas"><h1>Rapat &amp; koordinasi</h1><p>Isi <b>rapat</b></p>'
            '<ul><li>satu</li><li>dua</li></ul><p>&lt;script&gt;alert(1)&lt;/script&gt;</p></main>'
            '<footer>kaki</footer></body></html>').encode()
    page = page_text(body)
    assert page is not None
    assert page.title == "Rapat & koordinasi" and page.kind == "agendas"
    assert page.text == "Rapat & koordinasi Isi rapat satu dua <script>alert(1)</script>"  # tags apart, text whole
    assert "kepala" not in page.counts and "kaki" not in page.counts and "menu" not in page.counts
    assert page.counts["rapat"] == 2 + 6 and page.counts["satu"] == 1  # a word of the <h1> counts 7 times
    assert page_text(b"<html><body><main>nothing searchable</main></body></html>") is None


def _records(count: int, seed: int = 1) -> list[tuple[str, Record]]:
    """Generated pages with words of a made-up vocabulary (a few very common, most rare)."""
    rng = random.Random(seed)
    vocabulary = [f"w{n:05d}" for n in range(6000)]
    pages = []
    for n in range(count):
        chosen = rng.sample(vocabulary[:20], 5) + rng.sample(vocabulary, 40)
        counts = {w: rng.randint(1, 4) for w in chosen}
        path = f"agenda/a{n % 7}/AG-{n:05d}/index.html"
        text = " ".join(chosen)
        flat = " ".join(f"{w} {c}" for w, c in sorted(counts.items()))
        pages.append((path, Record("/" + path.removesuffix("index.html"), f"Agenda {n}", "agendas", text, flat,
                                   sum(counts.values()))))
    return pages


def _shard(data: bytes, width: int) -> dict[str, list[tuple[int, int]]]:
    """A word shard's postings by word, ``(page in its group, weighted count)`` pairs, read by its documented layout."""
    raw = gzip.decompress(data)
    size = int.from_bytes(raw[:4], "little")
    words = json.loads(raw[4:4 + size])
    at = 4 + size + (-(4 + size) % 4)
    assert raw[4 + size:at] == b"\0" * (at - 4 - size)
    total = sum(n for _, n in words)
    steps = [int.from_bytes(raw[at + width * i:at + width * (i + 1)], "little") for i in range(total)]
    counts_at = at + width * total
    counts = [int.from_bytes(raw[counts_at + 2 * i:counts_at + 2 * i + 2], "little") for i in range(total)]
    assert len(raw) == counts_at + 2 * total
    found, i = {}, 0
    for word, n in words:
        page, pairs = 0, []
        for _ in range(n):
            page += steps[i]
            pairs.append((page, counts[i]))
            i += 1
        found[word] = pairs
    return found


def _postings(files: dict[str, bytes], term: str) -> dict[str, list[tuple[int, int]]]:
    """The postings ``(page, weighted count)`` of every word beginning with ``term`` over every page
    group, found as search.js finds them: in each group, the shard where the term would be and the
    following ones that begin with it."""
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    found: dict[str, list[tuple[int, int]]] = {}
    for start, width, shards in meta["groups"]:
        firsts = [first for first, _ in shards]
        at = max(0, bisect.bisect_right(firsts, term) - 1)
        for i in range(at, len(firsts)):
            if i > at and not firsts[i].startswith(term):
                break
            for word, pairs in _shard(files[shards[i][1]], width).items():
                if word.startswith(term):
                    found.setdefault(word, []).extend((start + page, count) for page, count in pairs)
    return found


def _lookup(files: dict[str, bytes], term: str) -> dict[str, list[int]]:
    """The pages of every word beginning with ``term`` (search.js's way)."""
    return {word: [page for page, _ in pairs] for word, pairs in _postings(files, term).items()}


def _scores(files: dict[str, bytes], term: str) -> dict[int, float]:
    """Each page holding a word that begins with ``term`` and its best score, as search.js's pagesWith
    computes it (BM25 from the posting's count, the page's length and the word's postings)."""
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    k1, b, average, lengths, pages = meta["k1"], meta["b"], meta["average"], meta["lengths"], meta["pages"]
    best: dict[int, float] = {}
    for word, pairs in _postings(files, term).items():
        n = len(pairs)
        weight = (1 if word == term else 0.5) * math.log((pages - n + 0.5) / (n + 0.5) + 1)
        for page, count in pairs:
            score = (weight * (k1 + 1) * count) / (count + k1 * (1 - b + (b * lengths[page]) / average))
            best[page] = max(best.get(page, 0.0), score)
    return best


def test_shards_are_bounded_and_every_word_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "SHARD_BYTES", 2 * 1024)  # many shards from a few thousand pages
    monkeypatch.setattr(search_index, "GROUP_PAGES", 512)
    monkeypatch.setattr(search_index, "LEAST_GROUP", 128)
    records = _records(3000)
    files = index_files(records)
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    assert len(meta["groups"]) > 2 and meta["groups"][0][0] == 0
    assert all(later[0] - before[0] >= 128 for before, later in zip(meta["groups"], meta["groups"][1:]))
    for _, width, shards in meta["groups"]:
        assert len(shards) > 5 and width == 2
        assert [first for first, _ in shards] == sorted(first for first, _ in shards)
        for _, name in shards:
            shard = _shard(files[name], width)
            binary = sum(len(pairs) for pairs in shard.values()) * (width + 2)
            assert len(shard) == 1 or binary <= 2 * 1024, (name, binary)  # only one word alone may pass the bound
    ordered = sorted(records, key=lambda item: item[0])
    for word in ("w00003", "w01234", "w05999"):
        holding = [n for n, (_, record) in enumerate(ordered) if f"{word} " in record.counts + " "]
        assert _lookup(files, word)[word] == holding
    assert set(_lookup(files, "w0123")) == {f"w0123{d}" for d in range(10)}  # a prefix: its words, across shards
    # The real bound: a group's shards at the bench city are at most a few KB gzipped (SCALE.md).
    assert search_index.SHARD_BYTES <= 64 * 1024


def test_the_same_pages_give_the_same_bytes_in_any_order() -> None:
    records = _records(400)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    assert index_files(shuffled) == index_files(records)


def test_a_new_page_changes_its_own_chunk_not_every_one_after_it() -> None:
    records = _records(1200)
    before = index_files(records)
    new_path = "agenda/a3/AG-00600x/index.html"
    extra = Record("/" + new_path.removesuffix("index.html"), "Baru", "agendas", "w00001 baru", "baru 1 w00001 1", 2)
    after = index_files([*records, (new_path, extra)])
    chunks_before = {k for k in before if k.startswith("r/")}
    chunks_after = {k for k in after if k.startswith("r/")}
    changed = {k for k in chunks_after if before.get(k) != after[k]}
    assert len(chunks_before) > 50 and 1 <= len(changed) <= 2, changed


def test_scores_are_bm25_term_parts_over_the_whole_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "GROUP_PAGES", 64)
    monkeypatch.setattr(search_index, "LEAST_GROUP", 16)
    records = _records(500)
    files = index_files(records)
    ordered = sorted(records, key=lambda item: item[0])
    average = sum(record.length for _, record in ordered) / len(ordered)
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    assert meta["format"] == 3 and meta["pages"] == 500 and len(meta["groups"]) > 3
    assert meta["lengths"] == [record.length for _, record in ordered] and meta["average"] == average
    k1, b = search_index.K1, search_index.B
    assert (meta["k1"], meta["b"]) == (k1, b)
    for term in ("w00003", "w0001", "w05"):
        postings = _postings(files, term)
        expected: dict[int, float] = {}
        for word, pairs in postings.items():
            # The word's rarity counts its pages in every group: here, the pages whose counts hold it.
            holding = [n for n, (_, record) in enumerate(ordered) if f"{word} " in record.counts + " "]
            assert [page for page, _ in pairs] == holding
            idf = math.log((500 - len(holding) + 0.5) / (len(holding) + 0.5) + 1) * (1 if word == term else 0.5)
            for page, count in pairs:
                items = ordered[page][1].counts.split(" ")
                assert count == int(items[items.index(word) + 1]), word
                norm = k1 * (1 - b + b * ordered[page][1].length / average)
                expected[page] = max(expected.get(page, 0.0), idf * (k1 + 1) * count / (count + norm))
        assert _scores(files, term) == pytest.approx(expected, rel=1e-12) and expected


def test_a_new_page_changes_the_shards_of_its_group_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "GROUP_PAGES", 256)
    monkeypatch.setattr(search_index, "LEAST_GROUP", 64)
    monkeypatch.setattr(search_index, "SHARD_BYTES", 2 * 1024)
    records = _records(3000)
    before = index_files(records)
    new_path = "agenda/a3/AG-00600x/index.html"
    extra = Record("/" + new_path.removesuffix("index.html"), "Baru", "agendas", "w00001 baru", "baru 1 w00001 1", 2)
    after = index_files([*records, (new_path, extra)])
    meta = json.loads(gzip.decompress(after["meta.gz.bin"]))
    paths = sorted([path for path, _ in records] + [new_path])
    page = paths.index(new_path)
    own = next(shards for start, _, shards in reversed(meta["groups"]) if start <= page)
    changed = {name for name in after if name.startswith("w/") and before.get(name) != after[name]}
    assert changed and changed <= {name for _, name in own}, changed
    assert len(meta["groups"]) > 5 and len([n for n in after if n.startswith("w/")]) > 5 * len(own)
    # Its scores need no other file: a page added elsewhere changes no posting, the average is in meta.
    assert _scores(after, "baru") and set(_scores(after, "baru")) == {page}


def _keyed(records: list[tuple[str, Record]]) -> list[tuple[str, str, Record]]:
    """``(path, key, record)`` triples, the key naming the record as a page's SHA-256 does."""
    return [(path, hashlib.sha256(repr(record).encode()).hexdigest(), record) for path, record in records]


def test_an_index_made_from_the_kept_state_is_the_cold_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "GROUP_PAGES", 128)  # groups kept and groups made again
    monkeypatch.setattr(search_index, "LEAST_GROUP", 32)
    records = _records(1500)
    cold, state = search_index.build(_keyed(records), None)
    assert search_index.build(_keyed(records), state) == (cold, state)  # nothing new: the same
    # Pages added (a new word among them), removed (the only page of a word) and changed in place.
    later = [item for n, item in enumerate(records) if n % 97]
    later[10] = (later[10][0], Record(later[10][1].url, "Diubah", "agendas", "w00001 ubah", "ubah 3 w00001 1", 2))
    for n in range(40):
        path = f"agenda/a{n % 7}/AG-{n:05d}x/index.html"
        later.append((path, Record("/" + path.removesuffix("index.html"), f"Baru {n}", "agendas", "kata baru",
                                   f"baru{n % 3} 1 w00002 2", 2)))
    removed_word = "solo"
    records.append(("agenda/z/AG-solo/index.html", Record("/agenda/z/AG-solo/", "Solo", "agendas", "solo", "solo 1", 1)))
    _, state = search_index.build(_keyed(records), None)
    again, kept_state = search_index.build(_keyed(later), state)
    fresh, fresh_state = search_index.build(_keyed(later), None)
    assert again == fresh and kept_state == fresh_state
    assert removed_word not in _lookup(fresh, "solo") and set(_lookup(fresh, "baru")) == {"baru0", "baru1", "baru2"}
    changed = {name for name in fresh if cold.get(name) != fresh[name]}
    assert sum(1 for name in changed if name.startswith("r/")) < len([n for n in fresh if n.startswith("r/")]) / 2
    # A state of other pages, or a damaged one of any shape, gives the same bytes as none.
    other = search_index.build(_keyed(_records(300, seed=5)), None)[1]
    assert search_index.build(_keyed(later), other)[0] == fresh
    first, group = next(iter(state["groups"].items()))
    for damage in ({"paths": state["paths"][:-1]}, {"chunks": {"x": (1, 2, 3)}}, {"groups": None},
                   {"groups": {**state["groups"], first: (*group[:5], group[5][:-4], group[6])}},  # a page fewer
                   {"groups": {**state["groups"], first: (*group[:4], b"\xff" * len(group[4]), *group[5:])}},
                   {"groups": {**state["groups"], first: (*group[:3], None, *group[4:])}},
                   {"groups": {**state["groups"], first: (group[0] + 1, *group[1:])}},  # not covering the pages
                   {"groups": {"x": (1, "s", [("a", "w/a", None)])}}, {"lengths": b"\0"}):
        assert search_index.build(_keyed(later), {**state, **damage})[0] == fresh, damage
    assert search_index.build(_keyed(later), {"paths": []})[0] == fresh
    # Pages the kept state holds may come without their record (their words, length and record kept).
    _, state = search_index.build(_keyed(records), None)
    holds = search_index.held(state)
    bare = [(path, key, None if holds.get(path) == key else record) for path, key, record in _keyed(later)]
    assert sum(record is None for _, _, record in bare) > 1000
    assert search_index.build(bare, state) == (fresh, fresh_state)
    with pytest.raises(ValueError, match="does not hold"):
        search_index.build(bare, None)


def test_more_pages_than_a_uint16_holds_in_a_group_take_four_bytes_a_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "GROUP_PAGES", 1 << 62)  # one group
    count = 70_000
    records = [(f"p/{n:06d}/index.html", Record(f"/p/{n:06d}/", "t", "guide", "t", f"w{n % 2} 1", 1))
               for n in range(count)]
    files = index_files(records)
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    assert [(start, width) for start, width, _ in meta["groups"]] == [(0, 4)]
    assert _lookup(files, "w1")["w1"] == list(range(1, count, 2))


def _page(title: str, text: str) -> bytes:
    """A searchable page of the templates' shape."""
    return (f'<html><body><main id="main" data-pagefind-body data-pagefind-meta="kind:agendas"><h1>{title}</h1>'
            f"<p>{text}</p></main></body></html>").encode()


def test_kept_entries_stand_for_unchanged_pages(tmp_path: Path) -> None:
    pages = {f"agenda/a/AG-{n:03d}/index.html": _page(f"Rapat {n}", f"kata{n} layanan") for n in range(30)}
    shas = {rel: f"{n:064x}" for n, rel in enumerate(pages)}

    def unread(rel: str) -> bytes:
        raise AssertionError(f"read {rel}: its entry is kept")

    first = LanguageIndex("id", tmp_path, unread)
    for rel, body in pages.items():
        first.add(rel, shas[rel], body)
    cold = first.files()
    assert (tmp_path / "site-cache" / "search-index-id.bin").is_file()
    # The next build: every page kept but one rewritten; the kept ones are not read nor tokenised.
    changed = "agenda/a/AG-007/index.html"
    pages[changed] = _page("Rapat 7", "kata7 diubah")
    again = LanguageIndex("id", tmp_path, unread)
    for rel, body in pages.items():
        if rel == changed:
            again.add(rel, "f" * 64, body)
        else:
            again.keep(rel, shas[rel])
    incremental = again.files()
    shas[changed] = "f" * 64
    # A page written again with the bytes the kept index holds is not tokenised either.
    rewritten = LanguageIndex("id", tmp_path, unread)
    for rel, body in pages.items():
        rewritten.add(rel, shas[rel] if rel != changed else "f" * 64, b"not tokenised" if rel != changed else body)
    assert rewritten.files() == incremental
    # A damaged copy: every page read and tokenised again, the same bytes come out.
    (tmp_path / "site-cache" / "search-index-id.bin").write_bytes(b"damaged")
    fresh = LanguageIndex("id", tmp_path, pages.__getitem__)
    for rel in pages:
        fresh.keep(rel, shas[rel])
    assert fresh.files() == incremental != cold
    # And without any copy (a cold build elsewhere): the same bytes again.
    cold_again = LanguageIndex("id", None, pages.__getitem__)
    for rel, body in pages.items():
        cold_again.add(rel, shas[rel], body)
    assert cold_again.files() == incremental


HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_TEXT = 'dukcapil <script>window.__pwned=2</script> <b>tebal</b> </mark><i>miring</i> &amp; &lt;'


def test_hostile_text_in_a_record_is_shown_as_text(browser, server: str) -> None:
    rows = [["/instansi/disdukcapil/", HOSTILE_TITLE, "agencies", HOSTILE_TEXT]] * 2000  # whatever the page number
    body = gzip.compress(json.dumps(rows).encode(), mtime=0)
    context = browser.new_context()
    pg = context.new_page()
    pg.route("**/indeks-cari/id/r/**", lambda route: route.fulfill(status=200, body=body))
    pg.goto(server + "/cari/?q=dukcapil")
    pg.locator("#results li").first.wait_for(timeout=15000)
    for tag in ("img", "script", "b", "i"):
        assert pg.locator(f"#results li {tag}").count() == 0, tag
    assert pg.locator("#results li a").first.inner_text() == HOSTILE_TITLE
    assert pg.locator("#results li mark").all_inner_texts() == ["dukcapil"]
    assert "<script>window.__pwned=2</script>" in pg.locator("#results li p").first.inner_text()
    assert pg.evaluate("window.__pwned === undefined")
    context.close()


def _ranked(files: dict[str, bytes], query: str) -> list[int]:
    """The pages of a query in search.js's order: every term required, scores summed, best first, then by page."""
    maps = sorted((_scores(files, term) for term in query.split()), key=len)
    totals = {page: sum(found[page] for found in maps) for page in maps[0] if all(page in found for found in maps)}
    return sorted(totals, key=lambda page: (-totals[page], page))


@pytest.mark.parametrize("query", ["w00003", "w0001", "w00002 w00011"])
def test_search_js_reads_a_grouped_index_as_its_layout_says(browser, server: str, query: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "GROUP_PAGES", 256)  # several groups, each with several shards
    monkeypatch.setattr(search_index, "LEAST_GROUP", 64)
    monkeypatch.setattr(search_index, "SHARD_BYTES", 2 * 1024)
    records = _records(3000)
    files = index_files(records)
    assert len(json.loads(gzip.decompress(files["meta.gz.bin"]))["groups"]) > 5
    ordered = sorted(records, key=lambda item: item[0])
    expected = _ranked(files, query)
    assert len(expected) > 20
    context = browser.new_context()
    pg = context.new_page()
    served: list[str] = []

    def serve(route) -> None:  # a Playwright Route
        name = route.request.url.split("/indeks-cari/id/", 1)[1]
        served.append(name)
        route.fulfill(status=200, body=files[name])

    pg.route("**/indeks-cari/id/**", serve)
    pg.goto(server + "/cari/?q=" + query.replace(" ", "+"))
    pg.locator("#results li").first.wait_for(timeout=15000)
    titles = pg.locator("#results li a").all_inner_texts()
    assert titles == [ordered[page][1].title for page in expected[:20]]
    assert pg.locator("#results h2").first.inner_text().startswith(f"{len(expected)} ")
    assert sum(name.startswith("w/") for name in served) >= 6  # a shard of every group
    context.close()
