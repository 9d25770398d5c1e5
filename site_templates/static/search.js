// Search with Pagefind on a static host. The only script of the site; everything else works without it.
// The query comes from ?q= (the form submits normally), so the results page can be bookmarked.
const out = document.getElementById("results");
const input = document.getElementById("q");
const root = new URL("../", import.meta.url); // this file lives in <site>/assets/

function say(template, fields) {
  return template.replace(/\{(\w+)\}/g, (_, k) => String(fields[k] ?? ""));
}

// Pagefind excerpts mark hits with <mark>; build them as nodes instead of parsing HTML.
function excerpt(text) {
  const p = document.createElement("p");
  text.split(/(<mark>.*?<\/mark>)/).forEach((part) => {
    const hit = part.match(/^<mark>(.*)<\/mark>$/);
    const node = hit ? document.createElement("mark") : document.createTextNode(part);
    if (hit) node.textContent = hit[1];
    p.append(node);
  });
  return p;
}

async function run(q) {
  out.textContent = "";
  try {
    const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
    await pagefind.options({ baseUrl: root.pathname });
    const search = await pagefind.search(q);
    const data = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
    const heading = document.createElement("h2");
    heading.textContent = say(data.length ? out.dataset.found : out.dataset.none, { n: search.results.length, q });
    out.append(heading);
    const list = document.createElement("ol");
    for (const item of data) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.meta.title || item.url;
      li.append(a, excerpt(item.excerpt.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&")));
      list.append(li);
    }
    if (data.length) out.append(list);
  } catch (err) {
    const p = document.createElement("p");
    p.textContent = out.dataset.failed;
    out.append(p);
  }
}

const q = new URLSearchParams(location.search).get("q");
if (q && q.trim()) {
  input.value = q;
  run(q.trim());
}
