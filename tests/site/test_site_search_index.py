"""The site's own search index: every searchable page once, bounded shards, same pages same bytes,
few files changed by a new page, kept entries standing for unchanged pages, hostile text shown as text.

The browser tests of test_site_search.py search both languages of the sample with it; here: its
layout and properties, on the sample and on generated pages.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import random
from pathlib import Path

import pytest

from pipeline.site import search_index
from pipeline.site.search import LanguageIndex
from pipeline.site.search_index import Record, index_files
from pipeline.site.search_text import page_text, words

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
    """A word shard's postings by word, ``(page, score)`` pairs, read by its documented layout."""
    raw = gzip.decompress(data)
    size = int.from_bytes(raw[:4], "little")
    words = json.loads(raw[4:4 + size])
    at = 4 + size + (-(4 + size) % 4)
    assert raw[4 + size:at] == b"\0" * (at - 4 - size)
    total = sum(n for _, n in words)
    steps = [int.from_bytes(raw[at + width * i:at + width * (i + 1)], "little") for i in range(total)]
    scores_at = at + width * total
    scores = [int.from_bytes(raw[scores_at + 2 * i:scores_at + 2 * i + 2], "little") for i in range(total)]
    assert len(raw) == scores_at + 2 * total
    found, i = {}, 0
    for word, n in words:
        page, pairs = 0, []
        for _ in range(n):
            page += steps[i]
            pairs.append((page, scores[i]))
            i += 1
        found[word] = pairs
    return found


def _lookup(files: dict[str, bytes], term: str) -> dict[str, list[int]]:
    """The postings of every word beginning with ``term``, found as search.js finds them."""
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    firsts = [first for first, _ in meta["shards"]]
    at = max(0, bisect.bisect_right(firsts, term) - 1)
    found: dict[str, list[int]] = {}
    for i in range(at, len(firsts)):
        if i > at and not firsts[i].startswith(term):
            break
        for word, pairs in _shard(files[meta["shards"][i][1]], meta["width"]).items():
            if word.startswith(term):
                found[word] = [page for page, _ in pairs]
    return found


def test_shards_are_bounded_and_every_word_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "SHARD_BYTES", 8 * 1024)  # many shards from a few thousand pages
    records = _records(3000)
    files = index_files(records)
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    assert len(meta["shards"]) > 20
    assert [first for first, _ in meta["shards"]] == sorted(first for first, _ in meta["shards"])
    for _, name in meta["shards"]:
        shard = _shard(files[name], meta["width"])
        binary = sum(len(pairs) for pairs in shard.values()) * (meta["width"] + 2)
        assert len(shard) == 1 or binary <= 8 * 1024, (name, binary)  # only one word alone may pass the bound
    ordered = sorted(records, key=lambda item: item[0])
    for word in ("w00003", "w01234", "w05999"):
        holding = [n for n, (_, record) in enumerate(ordered) if f"{word} " in record.counts + " "]
        assert _lookup(files, word)[word] == holding
    assert set(_lookup(files, "w0123")) == {f"w0123{d}" for d in range(10)}  # a prefix: its words, across shards
    # The real bound: the bench city's largest shard was 76 KB gzipped, one word on every page (README).
    assert search_index.SHARD_BYTES <= 256 * 1024


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


def test_scores_are_bm25_term_parts_over_the_whole_language() -> None:
    records = _records(500)
    files = index_files(records)
    ordered = sorted(records, key=lambda item: item[0])
    average = sum(record.length for _, record in ordered) / len(ordered)
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    assert meta["format"] == 2 and meta["width"] == 2 and meta["pages"] == 500
    for _, name in meta["shards"][:3]:
        for word, pairs in _shard(files[name], meta["width"]).items():
            for page, score in pairs:
                record = ordered[page][1]
                items = record.counts.split(" ")
                count = int(items[items.index(word) + 1])
                norm = search_index.K1 * (1 - search_index.B + search_index.B * record.length / average)
                assert score == round(search_index.SCALE * (search_index.K1 + 1) * count / (count + norm)), word


def _keyed(records: list[tuple[str, Record]]) -> list[tuple[str, str, Record]]:
    """``(path, key, record)`` triples, the key naming the record as a page's SHA-256 does."""
    return [(path, hashlib.sha256(repr(record).encode()).hexdigest(), record) for path, record in records]


def test_an_index_made_from_the_kept_state_is_the_cold_ones() -> None:
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
    for damage in ({"paths": state["paths"][:-1]}, {"page": state["page"][:-4]}, {"word": b"\xff" * len(state["word"])},
                   {"chunks": {"x": (1, 2, 3)}}, {"vocab": None}, {"count": None}):
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


def test_more_pages_than_a_uint16_holds_take_four_bytes_a_step() -> None:
    count = 70_000
    records = [(f"p/{n:06d}/index.html", Record(f"/p/{n:06d}/", "t", "guide", "t", f"w{n % 2} 1", 1))
               for n in range(count)]
    files = index_files(records)
    meta = json.loads(gzip.decompress(files["meta.gz.bin"]))
    assert meta["width"] == 4
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
