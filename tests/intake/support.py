"""Start the real intake service (``python -m pipeline intake``: gunicorn on loopback) and talk to it over HTTP."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from pipeline.core import periods
from pipeline.core.config import load_portal
from pipeline.validate.schemas import CONTRACT
from tests.run_support import REPO, env, small_datasets
from tests.validate_helpers import csv_text, perf_row


@dataclass
class Service:
    """A running intake service: its address, folders, process and the accounts made for the tests."""

    url: str
    datasets: Path
    output: Path
    process: subprocess.Popen[str]
    passwords: dict[str, str] = field(default_factory=dict)
    first_output: str = ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pipeline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env=env(), check=False)


def make_datasets(root: Path, tables: str = "") -> Path:
    """The small datasets folder, with a receipts log (and any extra settings tables at the end)."""
    ds = small_datasets(root)
    toml = ds / "portal.toml"
    toml.write_text('receipts = "receipts.csv"\n' + toml.read_text(encoding="utf-8") + "\n" + tables, encoding="utf-8")
    (ds / "receipts.csv").write_text("file,sha256,received_at\n", encoding="utf-8")
    return ds


def start_service(datasets: Path, output: Path) -> Service:
    """``python -m pipeline intake`` on a free port; waits until it answers; reads the officer's password."""
    port = free_port()
    child_env = env() | {"INTAKE_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "intake", "--workers", "2", "--datasets",
                             str(datasets), "--output", str(output)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"intake ended: {proc.communicate()}")
        try:
            requests.get(url + "/login", timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("intake did not start")
    service = Service(url, datasets, output, proc)
    assert proc.stdout is not None
    lines = []
    while len(lines) < 2:
        lines.append(proc.stdout.readline())
    service.first_output = "".join(lines)
    match = re.search(r"petugas-data / (\S+)", service.first_output)
    assert match, service.first_output
    service.passwords["petugas-data"] = match.group(1)
    return service


def add_clerk(service: Service, username: str, agency: str) -> None:
    done = pipeline("accounts", "--datasets", str(service.datasets), "--output", str(service.output), "add",
                    username, "--agency", agency)
    assert done.returncode == 0, done.stderr
    service.passwords[username] = done.stdout.split(" / ")[1].splitlines()[0]


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def sign_in(service: Service, username: str, password: str | None = None, ip: str = "10.0.0.1") -> requests.Session:
    """A signed-in session (``ip``: the client address nginx would forward, for the per-address limit)."""
    s = requests.Session()
    s.headers["X-Forwarded-For"] = ip
    page = s.get(service.url + "/login", timeout=10)
    done = s.post(service.url + "/login", data={"csrf_token": csrf(page.text), "username": username,
                                               "password": password or service.passwords[username]}, timeout=30)
    assert done.url.endswith("/upload"), done.text[:2000]
    return s


def this_period() -> str:
    """The month the tests send files for: the last one that has ended (always among the upload choices)."""
    return periods.last_ended(load_portal(REPO / "datasets", REPO / "output").today())


def performance_csv(period: str, agency: str = "disdukcapil", service: str = "ktp-el", **kw: str) -> bytes:
    return csv_text([perf_row(period=period, agency_code=agency, service_code=service, **kw)],
                    list(CONTRACT["performance"])).encode("utf-8")


def upload(session: requests.Session, service: Service, data: bytes, name: str, period: str,
           table: str = "auto", **extra: str) -> requests.Response:
    page = session.get(service.url + "/upload", timeout=10)
    fields = {"csrf_token": csrf(page.text), "period": period, "table": table, **extra}
    return session.post(service.url + "/upload", data=fields, files={"file": (name, data)}, timeout=120)
