// Search over the site's own static index (indeks-cari/<lang>/, written by pipeline/site/search_index.py).
// The only script of the site; everything else works without it. The query comes from ?q= (the form
// submits normally), so the results page can be bookmarked. Results are grouped by kind (agency,
// service, agenda, decision, page), 20 more at a time; a query with no result is compared by edit
// distance with the names of names.json, and the closest is searched.
const out = document.getElementById("results");
const input = document.getElementById("q");
const root = new URL("../", import.meta.url); // this file lives in <site>/assets/
const KINDS = ["agencies", "performance", "agendas", "decisions", "guide"];
const STEP = 20;
const INDEX = "indeks-cari";
const FORMAT = 3; // search_index.py's FORMAT: another layout is not read (the page says the search failed)
const PREFIX = 0.5; // a word that only begins with a term counts half as much as the term itself
const EXCERPT = 24; // words of an excerpt

function say(template, fields) {
  return template.replace(/\{(\w+)\}/g, (_, k) => String(fields[k] ?? ""));
}

// Lower case, without accents: how the index folds words (search_text.py's fold).
function fold(text) {
  return text.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
}

// A word's letters and digits: its parts, and the compound whole ("e-KTP": e, ktp, ektp).
function parts(word) {
  return fold(word).match(/[\p{L}\p{N}]+/gu) || [];
}

function termsOf(q) {
  return q.split(/\s+/).map((t) => parts(t).join("")).filter(Boolean);
}

// Does a word of the text (a part of it, or its whole) begin with one of the terms?
function hits(word, terms) {
  const found = parts(word);
  const whole = found.join("");
  return terms.some((t) => whole.startsWith(t) || found.some((p) => p.startsWith(t)));
}

// About EXCERPT words around the first hit, each hit in a <mark> built as a node (never HTML).
function excerpt(text, terms) {
  const p = document.createElement("p");
  const words = text.split(" ");
  const marked = words.map((w) => hits(w, terms));
  const first = Math.max(0, marked.indexOf(true));
  const start = Math.max(0, Math.min(first - 6, words.length - EXCERPT));
  const end = Math.min(words.length, start + EXCERPT);
  let plain = start > 0 ? "… " : "";
  for (let i = start; i < end; i++) {
    const gap = i < end - 1 ? " " : "";
    if (marked[i]) {
      if (plain) p.append(document.createTextNode(plain));
      const mark = document.createElement("mark");
      mark.textContent = words[i];
      p.append(mark);
      plain = gap;
    } else {
      plain += words[i] + gap;
    }
  }
  if (end < words.length) plain += " …";
  if (plain) p.append(document.createTextNode(plain));
  return p;
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.
function distance(a, b) {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

// The closest names to a query: [{term, label, url, kind}], best first, at most three.
async function suggestions(q) {
  let names;
  try {
    names = await (await fetch(out.dataset.names)).json();
  } catch (err) {
    return [];
  }
  const query = q.toLowerCase();
  const limit = query.length <= 4 ? 1 : 2;
  const scored = names.terms.map(([term, i]) => {
    const [label, url, kind] = names.pages[i];
    return { term, label, url, kind, d: distance(query, term) };
  })
    .filter((n) => n.d <= limit).sort((x, y) => x.d - y.d || x.term.localeCompare(y.term));
  const seen = new Set();
  return scored.filter((n) => !seen.has(n.term) && seen.add(n.term)).slice(0, 3);
}

function heading(text, level) {
  const h = document.createElement(level);
  h.textContent = text;
  return h;
}

function render(q, search, data, shownQuery) {
  out.textContent = "";
  out.append(heading(say(out.dataset.found, { n: search.results.length, q: shownQuery }), "h2"));
  for (const kind of [...KINDS, "other"]) {
    const items = data.filter((item) => (KINDS.includes(item.kind) ? item.kind : "other") === kind);
    if (!items.length) continue;
    const section = document.createElement("section");
    const label = out.dataset[`kind${kind[0].toUpperCase()}${kind.slice(1)}`] || out.dataset.kindGuide;
    // Counts of the results loaded so far: a count per kind of every result would need every
    // result's record.
    section.append(heading(`${label} (${items.length})`, "h3"));
    const list = document.createElement("ol");
    for (const item of items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title || item.url;
      const tag = document.createElement("span");
      tag.className = "meta result-kind";
      tag.textContent = ` · ${label}`;
      li.append(a, tag, excerpt(item.text, search.terms));
      list.append(li);
    }
    section.append(list);
    out.append(section);
  }
  if (data.length < search.results.length) {
    const p = document.createElement("p");
    p.textContent = say(out.dataset.shown, { shown: data.length, n: search.results.length }) + " ";
    const more = document.createElement("button");
    more.type = "button";
    more.textContent = out.dataset.more;
    more.addEventListener("click", async () => {
      const next = await Promise.all(search.results.slice(data.length, data.length + STEP).map((r) => r.data()));
      render(q, search, [...data, ...next], shownQuery);
      out.querySelectorAll("li")[data.length]?.querySelector("a")?.focus();
    });
    p.append(more);
    out.append(p);
  }
}

function suggestLine(list) {
  const p = document.createElement("p");
  p.className = "suggest";
  p.append(document.createTextNode(out.dataset.suggest + " "));
  list.forEach((s, i) => {
    const a = document.createElement("a");
    a.href = `?q=${encodeURIComponent(s.term)}`;
    a.textContent = s.term;
    p.append(a, document.createTextNode(` (${s.label})${i < list.length - 1 ? "; " : ""}`));
  });
  return p;
}

// A gzip-compressed file of the index (its name ends in .gz.bin: no server decompresses it for us).
async function inflate(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Response(response.body.pipeThrough(new DecompressionStream("gzip")));
}

async function load(url) {
  return JSON.parse(await (await inflate(url)).text());
}

// A word shard of a page group (search_index.py): a uint32 header length, the JSON header
// [[word, postings], ...], zero bytes to a multiple of 4, then every posting's page step within the
// group (`width` bytes), then every posting's weighted count (uint16), all little-endian, in the
// header's order.
async function loadShard(url, width) {
  const bytes = await (await inflate(url)).arrayBuffer();
  const view = new DataView(bytes);
  const size = view.getUint32(0, true);
  const words = JSON.parse(new TextDecoder().decode(new Uint8Array(bytes, 4, size)));
  const steps = 4 + size + ((4 - ((4 + size) % 4)) % 4);
  const total = words.reduce((sum, [, n]) => sum + n, 0);
  const counts = steps + total * width;
  const step = width === 4 ? (i) => view.getUint32(steps + 4 * i, true) : (i) => view.getUint16(steps + 2 * i, true);
  return { words, step, count: (i) => view.getUint16(counts + 2 * i, true) };
}

// Each file once per page view (a query's terms can share a shard; results share chunks).
function once(index, file, read = load) {
  if (!index.files.has(file)) index.files.set(file, read(new URL(file, index.folder)));
  return index.files.get(file);
}

async function loadIndex() {
  const lang = document.documentElement.lang === "en" ? "en" : "id";
  const folder = new URL(`${INDEX}/${lang}/`, root);
  const index = { folder, files: new Map() };
  index.meta = await once(index, "meta.gz.bin");
  if (index.meta.format !== FORMAT) throw new Error(`index format ${index.meta.format}`);
  return index;
}

// The last entry of `list` (sorted by its first item) whose first item is at most `key`.
function floor(list, key) {
  let lo = 0;
  let hi = list.length - 1;
  let at = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid][0] <= key) {
      at = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return at;
}

// Every page holding a word that begins with `term`, by page number, with its best BM25 score:
// the term part (the posting's weighted count, the page's length against the average: k1, b) times
// the word's rarity over the whole language (its postings in every group), a word longer than the
// term counting PREFIX as much. Each page group has shards of its own; words are sorted, so those
// beginning with the term are in the group's shard where the term would be and the shards after it
// that begin with it.
async function pagesWith(index, term) {
  const { groups, pages, lengths, average, k1, b } = index.meta;
  const wanted = [];
  for (const [start, width, shards] of groups) {
    const read = (url) => loadShard(url, width);
    const first = floor(shards, term);
    for (let i = first; i < shards.length && (i === first || shards[i][0].startsWith(term)); i++) {
      wanted.push(once(index, shards[i][1], read).then((shard) => ({ start, shard })));
    }
  }
  const loaded = await Promise.all(wanted);
  const rarity = new Map(); // a word's postings in every group
  for (const { shard } of loaded) {
    for (const [word, n] of shard.words) if (word.startsWith(term)) rarity.set(word, (rarity.get(word) || 0) + n);
  }
  const best = new Map();
  for (const { start, shard } of loaded) {
    let at = 0;
    for (const [word, n] of shard.words) {
      if (word.startsWith(term)) {
        const all = rarity.get(word);
        const weight = (word === term ? 1 : PREFIX) * Math.log((pages - all + 0.5) / (all + 0.5) + 1);
        let page = start;
        for (let i = at; i < at + n; i++) {
          page += shard.step(i);
          const count = shard.count(i);
          const score = (weight * (k1 + 1) * count) / (count + k1 * (1 - b + (b * lengths[page]) / average));
          if (score > (best.get(page) || 0)) best.set(page, score);
        }
      }
      at += n;
    }
  }
  return best;
}

// A result's record: its link (under the site's own root), title, kind and text.
async function record(index, page) {
  const { chunks } = index.meta;
  const [start, file] = chunks[floor(chunks, page)];
  const [url, title, kind, text] = (await once(index, file))[page - start];
  return { url: new URL(url.slice(1), root).pathname, title, kind, text };
}

// The pages holding every term (each as a word or the beginning of one), best score first.
async function find(index, q) {
  const terms = termsOf(q);
  if (!terms.length) return { terms, results: [] };
  const maps = await Promise.all(terms.map((term) => pagesWith(index, term)));
  maps.sort((a, b) => a.size - b.size);
  const [fewest, ...rest] = maps;
  const results = [];
  for (const [page, score] of fewest) {
    let total = score;
    for (const other of rest) {
      const more = other.get(page);
      if (more === undefined) {
        total = null;
        break;
      }
      total += more;
    }
    if (total !== null) results.push({ page, score: total, data: () => record(index, page) });
  }
  results.sort((a, b) => b.score - a.score || a.page - b.page);
  return { terms, results };
}

async function run(q) {
  out.textContent = "";
  try {
    const index = await loadIndex();
    let search = await find(index, q);
    const close = await suggestions(q);
    const exact = close.some((s) => s.d === 0);
    let shown = q;
    let note = null;
    if (!search.results.length && close.length) {
      // Nothing found: search the closest name instead, and say so.
      shown = close[0].term;
      search = await find(index, shown);
      note = heading(say(out.dataset.instead, { q, s: shown }), "p");
    }
    if (!search.results.length) {
      out.append(heading(say(out.dataset.none, { q }), "h2"));
      if (close.length) out.append(suggestLine(close));
      return;
    }
    const data = await Promise.all(search.results.slice(0, STEP).map((r) => r.data()));
    render(q, search, data, shown);
    if (note) out.prepend(note);
    if (!exact && close.length && !note) out.prepend(suggestLine(close));
  } catch (err) {
    const p = document.createElement("p");
    p.textContent = out.dataset.failed;
    out.append(p);
  }
}

const q = new URLSearchParams(location.search).get("q");
if (q && q.trim()) {
  input.value = q;
  // The language switch keeps the query: the other language's search page runs it too.
  const other = document.querySelector(".lang-switch");
  if (other) other.href = `${other.getAttribute("href").split("?")[0]}?q=${encodeURIComponent(q.trim())}`;
  run(q.trim());
}
