"""A small in-memory stand-in for the few Apache Solr endpoints CKAN 2.11 calls.

Test and local-trial use only (Apache Solr is in no package registry here). It answers:
``<core>/schema`` (CKAN reads the schema name ``ckan-2.11`` at start), ``<core>/admin/ping``,
``<core>/select`` (q, fq, rows, start, sort, fl, facet.field) and ``<core>/update`` (JSON
add, XML delete by id or query, commit). Documents live in memory; every update is
visible at once. The query language is a subset of Lucene: ``*:*``, ``field:value``,
``field:"phrase"``, ``field:(a OR b)``, ``+``/``-``/``NOT``, ``AND``/``OR``, parentheses,
trailing ``*`` wildcards and ``[a TO b]`` ranges; a query without a field matches words
in the document's text. No relevance ranking. Standard library only, so it runs in any
Python 3.11 without installing anything.

    python solr_standin.py --port 8983        # CKAN: solr_url = http://127.0.0.1:8983/solr/ckan
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

SCHEMA_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<schema name="ckan-2.11" version="1.6"/>\n'
# Fields whose words a query without a field searches (CKAN's `text` catch-all copies these).
TEXT_FIELDS = ("name", "title", "notes", "tags", "groups", "organization", "res_name",
               "res_description", "author", "maintainer", "text")
TOKEN_RE = re.compile(r'\s*(\(|\)|\+|-(?=[\w"(*])|"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^}]*\}|[^\s()"\[{]+)')

Match = Callable[[dict[str, Any]], bool]


def _values(doc: dict[str, Any], field: str) -> list[str]:
    """All values of a document field as strings (lists flattened)."""
    if field == "text":
        return [v for f in TEXT_FIELDS[:-1] for v in _values(doc, f)] + [
            v for k in doc if k.startswith("extras_") for v in _values(doc, k)]
    value = doc.get(field)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return ["true" if v is True else "false" if v is False else str(v) for v in items]


def _words(text: str) -> set[str]:
    """Lower-case words of a text value (a crude analyser)."""
    return set(re.findall(r"\w+", text.lower()))


def _term(field: str | None, raw: str) -> Match:
    """A predicate for one term or phrase, on one field or on the document's words."""
    phrase = raw.startswith('"')
    value = raw[1:-1].replace('\\"', '"') if phrase else raw.replace("\\", "")
    if raw.startswith(("[", "{")):
        lo, _, hi = raw[1:-1].partition(" TO ")
        lo, hi = lo.strip().strip('"'), hi.strip().strip('"')
        return lambda d: any((lo == "*" or v >= lo) and (hi == "*" or hi.startswith("NOW") or v <= hi)
                             for v in _values(d, field or "text"))
    if field is None or field == "text":
        wanted = _words(value)
        return lambda d: wanted <= _words(" ".join(_values(d, "text")))
    if field == "*" and value == "*":
        return lambda d: True
    if value == "*":
        return lambda d: bool(_values(d, field))
    if "*" in value or "?" in value:
        return lambda d: any(fnmatch.fnmatchcase(v.lower(), value.lower()) for v in _values(d, field))
    return lambda d: any(v == value or (" " in v and _words(value) <= _words(v)) for v in _values(d, field))


class _Parser:
    """Recursive descent over the Lucene subset: or_expr := and_expr (OR and_expr)*."""

    def __init__(self, text: str):
        self.tokens = [t for t in TOKEN_RE.findall(text) if t.strip()]
        self.pos = 0

    def parse(self) -> Match:
        """The predicate for the whole query (an empty query matches everything)."""
        return self._or(None) if self.tokens else (lambda d: True)

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _or(self, field: str | None) -> Match:
        parts = [self._and(field)]
        while self._peek() in ("OR", "||"):
            self._take()
            parts.append(self._and(field))
        return parts[0] if len(parts) == 1 else (lambda d: any(p(d) for p in parts))

    def _and(self, field: str | None) -> Match:
        parts: list[Match] = []
        while self._peek() not in (None, ")", "OR", "||"):
            if self._peek() in ("AND", "&&"):
                self._take()
                continue
            parts.append(self._unary(field))
        return lambda d: all(p(d) for p in parts)

    def _unary(self, field: str | None) -> Match:
        token = self._take()
        if token in ("-", "NOT", "!"):
            inner = self._unary(field)
            return lambda d: not inner(d)
        if token == "+":
            return self._unary(field)
        if token == "(":
            inner = self._or(field)
            if self._peek() == ")":
                self._take()
            return inner
        name, sep, rest = token.partition(":")
        if sep and not token.startswith('"') and re.match(r"^[\w.*]+$", name):
            if rest:
                return _term(name, rest)
            return self._unary(name)  # field:(...) or field:"..."
        return _term(field, token)


def compile_query(text: str) -> Match:
    """Compile a Lucene-subset query into a document predicate."""
    text = text.strip()
    return (lambda d: True) if text in ("", "*:*", "*") else _Parser(text).parse()


class Index:
    """The documents, keyed by CKAN's unique key ``index_id``, behind one lock."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def add(self, docs: list[dict[str, Any]]) -> None:
        """Add or replace documents."""
        with self.lock:
            for doc in docs:
                self.docs[str(doc.get("index_id") or doc.get("id"))] = doc

    def delete(self, ids: list[str], queries: list[str]) -> None:
        """Delete documents by id and by query."""
        with self.lock:
            for key in ids:
                self.docs.pop(key, None)
            for query in queries:
                match = compile_query(query)
                for key in [k for k, d in self.docs.items() if match(d)]:
                    del self.docs[key]

    def select(self, params: dict[str, list[str]]) -> dict[str, Any]:
        """Answer a /select request the way Solr's JSON writer does."""
        one = lambda key, default="": (params.get(key) or [default])[0]  # noqa: E731 - a one-line helper for this request
        matchers = [compile_query(one("q", "*:*"))] + [compile_query(f) for f in params.get("fq", [])]
        with self.lock:
            hits = [d for d in self.docs.values() if all(m(d) for m in matchers)]
        hits = _sorted(hits, one("sort"))
        start, rows = int(one("start", "0") or 0), int(one("rows", "10") or 10)
        fields = [f for f in re.split(r"[\s,]+", one("fl")) if f and f not in ("*", "score")]
        docs = [{k: v for k, v in d.items() if not fields or k in fields} for d in hits[start:start + rows]]
        body: dict[str, Any] = {"responseHeader": {"status": 0, "QTime": 0},
                                "response": {"numFound": len(hits), "start": start, "docs": docs}}
        if one("facet") == "true":
            body["facet_counts"] = {"facet_fields": {
                f: _facet(hits, f, int(one("facet.limit", "50")), int(one("facet.mincount", "1")))
                for f in params.get("facet.field", [])}}
        return body


def _sorted(docs: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Stable multi-key sort; documents missing a key sort last; ``score`` is ignored."""
    for spec in reversed([s.split() for s in sort.split(",") if s.strip()]):
        field, desc = spec[0], len(spec) > 1 and spec[1].lower() == "desc"
        if field == "score":
            continue
        present = [d for d in docs if _values(d, field)]
        missing = [d for d in docs if not _values(d, field)]
        key = lambda d, f=field: _values(d, f)[0].lower() if f.endswith("_string") else _values(d, f)[0]  # noqa: E731 - the sort key of this field
        docs = sorted(present, key=key, reverse=desc) + missing
    return docs


def _facet(docs: list[dict[str, Any]], field: str, limit: int, mincount: int) -> list[Any]:
    """Solr's flat facet list ``[value, count, value, count, ...]``, biggest first."""
    counts: dict[str, int] = {}
    for doc in docs:
        for value in set(_values(doc, field)):
            counts[value] = counts.get(value, 0) + 1
    ranked = sorted((kv for kv in counts.items() if kv[1] >= mincount), key=lambda kv: (-kv[1], kv[0]))
    return [x for kv in ranked[: limit if limit >= 0 else None] for x in kv]


class Handler(BaseHTTPRequestHandler):
    """Routes <anything>/schema, /admin/ping, /admin/file, /select and /update."""

    index: Index

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet: CKAN logs enough
        pass

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _dispatch(self, body: bytes) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        params = parse_qs(url.query, keep_blank_values=True)
        if "form-urlencoded" in (self.headers.get("Content-Type") or ""):
            params.update(parse_qs(body.decode("utf-8"), keep_blank_values=True))
        if path.endswith("/schema") or path.endswith("/admin/file"):
            self._send(200, SCHEMA_XML.encode(), "application/xml")
        elif path.endswith("/admin/ping"):
            self._json({"responseHeader": {"status": 0}, "status": "OK"})
        elif path.endswith("/select"):
            self._json(self.index.select(params))
        elif path.endswith("/update"):
            self._update(body)
        else:
            self._send(404, b"not found", "text/plain")

    def _update(self, body: bytes) -> None:
        text = body.decode("utf-8").strip()
        if text.startswith(("[", "{")):
            data = json.loads(text)
            self.index.add(data if isinstance(data, list) else data.get("add", {}).get("doc", [data]))
        elif text.startswith("<"):
            root = ET.fromstring(text)
            if root.tag == "delete":
                self.index.delete([e.text or "" for e in root.iter("id")],
                                  [e.text or "" for e in root.iter("query")])
        self._json({"responseHeader": {"status": 0, "QTime": 0}})

    def _json(self, data: dict[str, Any]) -> None:
        self._send(200, json.dumps(data).encode(), "application/json; charset=utf-8")

    def _send(self, code: int, payload: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve(host: str, port: int) -> ThreadingHTTPServer:
    """A server with its own empty index (call ``serve_forever`` on it)."""
    handler = type("BoundHandler", (Handler,), {"index": Index()})
    return ThreadingHTTPServer((host, port), handler)


def main() -> None:
    """Run until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8983)
    args = parser.parse_args()
    serve(args.host, args.port).serve_forever()


if __name__ == "__main__":
    main()
