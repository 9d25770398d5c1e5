"""Session fixtures: the sample published once, the site built once, served on loopback, one browser."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import threading
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from pipeline.core.config import Portal, load_portal
from tests.checkers import require_chromium
from tests.sample_support import SAMPLE_AS_OF, PublishedSample
from tests.shared_fixture import read_only
from tests.site.fixture_data import write_fixture

REPO = Path(__file__).resolve().parents[2]
AS_OF = date.fromisoformat(SAMPLE_AS_OF)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def publish(datasets: Path, output: Path) -> None:
    """Run the real publish stage (no site, no push) as the CLI does."""
    cmd = [sys.executable, "-m", "pipeline", "publish", "--datasets", str(datasets), "--output", str(output),
           "--as-of", AS_OF.isoformat(), "--no-site", "--no-push"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def sample_portal(published_sample: PublishedSample) -> Portal:
    """The repository's sample datasets published with the site (once for the session: tests/conftest.py)."""
    return load_portal(REPO / "datasets", published_sample.output)


@pytest.fixture(scope="session")
def site(sample_portal: Portal) -> Path:
    """The built sample site."""
    return sample_portal.output / "site"


@pytest.fixture(scope="session")
def fixture_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A tiny published output (three agencies, three months) for fast checks (read only)."""
    root = tmp_path_factory.mktemp("fixture")
    datasets, output = write_fixture(root)
    with read_only(root):
        yield load_portal(datasets, output)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


def _serve(site: Path) -> Iterator[str]:
    """``site`` over HTTP on a free loopback port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """The built site over HTTP on a free loopback port; yields the base URL."""
    yield from _serve(site)


@pytest.fixture(scope="session")
def search_server(site: Path) -> Iterator[str]:
    """The built site over HTTP for the search tests (the same site as ``server``'s)."""
    yield from _serve(site)


@pytest.fixture(scope="session")
def browser(playwright):
    """Debian's Chromium, headless, driven by Playwright (tests/conftest.py)."""
    chromium = playwright.chromium.launch(executable_path=str(require_chromium()), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture()
def page(browser, server):
    """A fresh page that records console errors and page errors; asserts there were none."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("requestfailed", lambda req: None if _dropped_icon(req) else problems.append(
        f"request failed: {req.url} ({req.failure})"))
    pg.problems = problems
    yield pg
    seen = list(problems)  # what closing the context cancels is not the page's fault
    context.close()
    assert seen == []


def _dropped_icon(request) -> bool:
    """The favicon fetch Chromium starts on its own and cancels when the test moves on (seen once in CI)."""
    return request.url.endswith("/favicon.svg") and (request.failure or "").startswith("net::ERR_ABORTED")


def html_pages(site: Path) -> list[Path]:
    """Every HTML page the site build wrote but the file-check reports.

    The reports (/laporan/, /en/laporan/: two thousand and more small pages of one template
    each) are checked on a sample of every kind in test_site_reports.py, to keep the suite fast.
    """
    return sorted(p for p in site.rglob("*.html")
                  if not p.relative_to(site).as_posix().startswith(("laporan/", "en/laporan/")))


def copy_datasets(target: Path) -> Path:
    """A copy of the sample datasets to modify in a test."""
    shutil.copytree(REPO / "datasets", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
