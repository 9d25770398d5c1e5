"""Lighthouse on a phone profile: performance at least 0.95 and accessibility 1.0 on five page types.

Lighthouse 13 (pinned in the Makefile) runs in one Node process with one Debian Chromium
(``lighthouse_run.mjs``), its mobile form factor and default simulated throttling, against the
built sample site served on loopback, compressed as a web server sends it (``GzipHandler``). Accessibility does not depend on the machine and must be
1.0 on every run. The performance score does: the simulation scales the main thread's measured
times, so a busy shared machine lowers it. A page below 0.95 is therefore measured again (at
most ``ATTEMPTS`` runs in all) and its best run counts, as Lighthouse's own guidance on
variability advises several runs; a page that is really slow fails every run.
"""

from __future__ import annotations

import functools
import gzip
import json
import mimetypes
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.checkers import require_chromium, require_lighthouse

# Performance scores follow the machine's load: make test runs this after the parallel part.
pytestmark = pytest.mark.solo
RUNNER = Path(__file__).with_name("lighthouse_run.mjs")
# The five page types the issue names: home, an agency, a decision, the calendar, the compliance matrix.
PATHS = ("/", "/instansi/disdukcapil/", "/keputusan/disdukcapil/KP-2025-10-01/", "/kalender/", "/kepatuhan/")
PERFORMANCE_MIN = 0.95
ATTEMPTS = 3


COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml"}


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files, text compressed with gzip as any web server hosting the site does.

    The page budget (test_site_checks.py) counts gzipped bytes; Lighthouse must see the same
    bytes a reader's phone downloads, not the uncompressed files of a bare development server.
    """

    def do_GET(self) -> None:
        """Compressed text when the browser accepts gzip; anything else as the stdlib sends it."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in COMPRESSED or not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", ""):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def gzip_server(site: Path) -> Iterator[str]:
    """The built site over HTTP with compression, on a free loopback port; yields the base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _lighthouse(prefix: Path, chromium: Path, urls: list[str]) -> dict[str, dict[str, object]]:
    """Scores and failing audits of each URL, from one Lighthouse process."""
    env = {**os.environ, "CHROME_PATH": str(chromium)}
    done = subprocess.run(["node", str(RUNNER), str(prefix), *urls], capture_output=True, text=True,
                          env=env, timeout=180 * len(urls))
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, dict[str, object]] = json.loads(done.stdout)
    return result


def test_lighthouse_phone_scores(gzip_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every page scores performance >= 0.95 (best of up to three runs) and accessibility 1.0 (every run)."""
    prefix, chromium = require_lighthouse(), require_chromium()
    server = gzip_server
    urls = [server + p for p in PATHS]
    best: dict[str, dict[str, object]] = {}
    runs: dict[str, list[float]] = {u: [] for u in urls}
    started = time.monotonic()
    todo = urls
    for _ in range(ATTEMPTS):
        for url, scores in _lighthouse(prefix, chromium, todo).items():
            assert scores["error"] is None, f"{url}: {scores['error']}"
            assert scores["accessibility"] == 1, f"{url}: accessibility {scores['accessibility']}: {scores['failing']}"
            perf = float(scores["performance"])  # type: ignore[arg-type]
            runs[url].append(perf)
            if url not in best or perf > float(best[url]["performance"]):  # type: ignore[arg-type]
                best[url] = scores
        todo = [u for u in urls if float(best[u]["performance"]) < PERFORMANCE_MIN]  # type: ignore[arg-type]
        if not todo:
            break
    with capsys.disabled():
        print(f"\nLighthouse (mobile, simulated throttling), {time.monotonic() - started:.0f} s:")
        for url in urls:
            print(f"  {url.removeprefix(server)}: performance {runs[url]}, accessibility 1.0")
    slow = {u.removeprefix(server): (runs[u], best[u]["failing"]) for u in todo}
    assert not slow, f"performance below {PERFORMANCE_MIN} in every run: {slow}"
