// Search with Pagefind on a static host. The only script of the site; everything else works without it.
// The query comes from ?q= (the form submits normally), so the results page can be bookmarked.
// Results are grouped by kind (agency, service, agenda, decision, page), 20 more at a time; a query
// with no result is compared by edit distance with the names of names.json, and the closest is searched.
const out = document.getElementById("results");
const input = document.getElementById("q");
const root = new URL("../", import.meta.url); // this file lives in <site>/assets/
const KINDS = ["agencies", "performance", "agendas", "decisions", "guide"];
const STEP = 20;

function say(template, fields) {
  return template.replace(/\{(\w+)\}/g, (_, k) => String(fields[k] ?? ""));
}

function unescape(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

// Pagefind excerpts mark hits with <mark>; build them as nodes instead of parsing HTML.
function excerpt(text) {
  const p = document.createElement("p");
  unescape(text).split(/(<mark>.*?<\/mark>)/).forEach((part) => {
    const hit = part.match(/^<mark>(.*)<\/mark>$/);
    const node = hit ? document.createElement("mark") : document.createTextNode(part);
    if (hit) node.textContent = hit[1];
    p.append(node);
  });
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
    const items = data.filter((item) => (KINDS.includes(item.meta.kind) ? item.meta.kind : "other") === kind);
    if (!items.length) continue;
    const section = document.createElement("section");
    const label = out.dataset[`kind${kind[0].toUpperCase()}${kind.slice(1)}`] || out.dataset.kindGuide;
    // Counts of the results loaded so far: Pagefind's filter index (exact counts per kind) is not
    // written byte for byte the same from one build to the next.
    section.append(heading(`${label} (${items.length})`, "h3"));
    const list = document.createElement("ol");
    for (const item of items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.meta.title || item.url;
      const tag = document.createElement("span");
      tag.className = "meta result-kind";
      tag.textContent = ` · ${label}`;
      li.append(a, tag, excerpt(item.excerpt));
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

// Each language's index is split into partitions (Pagefind's memory grows with the pages of one
// run): pagefind/bundles.json lists them. The language's runtime bundle is opened first and every
// partition is merged into it, each tagged with a "part" filter naming its folder.
async function loadIndex() {
  const lang = document.documentElement.lang === "en" ? "en" : "id";
  const listed = await fetch(new URL("pagefind/bundles.json", root)).then((r) => r.json());
  const mine = listed[lang];
  const pagefind = await import(new URL(`${mine.runtime}pagefind.js`, root).href);
  const base = { baseUrl: root.pathname, excerptLength: 24 };
  await pagefind.options({ ...base, mergeFilter: { part: RUNTIME } });
  await Promise.all(mine.parts.map((part) => pagefind.mergeIndex(new URL(part, root).pathname,
    { ...base, mergeFilter: { part } })));
  return { pagefind, parts: mine.parts, pages: mine.pages };
}

const RUNTIME = "-"; // the runtime bundle's one placeholder record is never a result

// Lower case, without accents and punctuation: how Pagefind compares words.
function fold(text) {
  return text.toLocaleLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
}

function termsOf(q) {
  return fold(q).split(/\s+/).map((t) => t.replace(/[\p{P}\p{S}]/gu, "")).filter(Boolean);
}

// Does a page (a result's data) hold, at a matched position, a word that starts with `term`?
// A compound such as "e-KTP" counts by each part and as a whole.
function startsWithTerm(data, term) {
  const words = data.content.split(/[\r\n\s]+/g);
  return data.locations.some((at) => {
    const word = fold(words[at] || "");
    const parts = [word.replace(/[^\p{L}\p{N}]/gu, ""), ...word.split(/[^\p{L}\p{N}]+/u)];
    return parts.some((part) => part.startsWith(term));
  });
}

// Partitions that hold `term` or a word beginning with it (and how many pages each partition matched). When a bundle has no such word, Pagefind
// searches the longest indexed word that `term` begins with instead ("dukcapil" -> "d"), so a
// partition without the word would answer with unrelated pages. Per partition that fallback is all
// or nothing: a partition counts when Pagefind finds `term` there exactly (stemmed), or when its
// best loose match is a word that really begins with `term`.
async function partsWith(pagefind, term) {
  const [exact, loose] = await Promise.all([pagefind.search(`"${term}"`), pagefind.search(term)]);
  const found = (search) => Object.entries(search.filters.part || {}).filter(([p, n]) => n > 0 && p !== RUNTIME).map(([p]) => p);
  const good = new Set(found(exact));
  await Promise.all(found(loose).filter((p) => !good.has(p)).map(async (part) => {
    const one = await pagefind.search(term, { filters: { part } });
    if (one.results.length && startsWithTerm(await one.results[0].data(), term)) good.add(part);
  }));
  return { good, loose: loose.filters.part || {} };
}

// Pagefind's inverse document frequency of a word found on `n` of `total` pages.
function idf(total, n) {
  return Math.log((total - n + 0.5) / (n + 0.5) + 1);
}

// Search every partition, keeping the results of partitions that match each term (see partsWith).
// Each partition scores its pages against its own page counts: a word rare in one partition (a
// decision that names a passport) would outrank the pages where it matters (the passport
// services), so each partition's scores are scaled from its own word rarity to the whole language's.
async function find(index, q) {
  const terms = termsOf(q);
  if (!terms.length) return { results: [] };
  let allowed = null;
  const counts = [];
  for (const term of terms) {
    const { good, loose } = await partsWith(index.pagefind, term);
    counts.push(loose);
    allowed = allowed === null ? good : new Set([...allowed].filter((p) => good.has(p)));
  }
  const parts = [...allowed];
  const total = Object.values(index.pages).reduce((a, b) => a + b, 0);
  const searches = await Promise.all(parts.map((part) => index.pagefind.search(q, { filters: { part } })));
  const results = searches.flatMap((search, i) => {
    const part = parts[i];
    const whole = counts.reduce((sum, c) => sum + idf(total, parts.reduce((n, p) => n + (c[p] || 0), 0)), 0);
    const own = counts.reduce((sum, c) => sum + idf(index.pages[part] || 1, c[part] || 0), 0);
    const scale = own > 0 ? whole / own : 1;
    return search.results.map((r) => ({ ...r, score: r.score * scale }));
  });
  results.sort((a, b) => b.score - a.score);
  return { results };
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
