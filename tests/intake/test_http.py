"""The intake service over real HTTP on loopback (gunicorn started by the session fixture).

The full flow (sign in, a bad file, its report, the fix, the receipt, the next publish) and
one test per protection, each failing when the protection is removed.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import time
from pathlib import Path

import requests

from tests.intake.support import (
    Service,
    csrf,
    performance_csv,
    pipeline,
    sign_in,
    this_period,
    upload,
)


def _receipts(service: Service) -> list[str]:
    return (service.datasets / "receipts.csv").read_text(encoding="utf-8").splitlines()[1:]


def test_upload_report_fix_receipt_publish(service: Service) -> None:
    period = this_period()
    s = sign_in(service, "operator-dukcapil", ip="10.0.1.1")
    bad = performance_csv(period, applications_received="banyak")
    first = upload(s, service, bad, "Kinerja Oktober (1).csv", period)
    assert first.status_code == 200 and "/receipt/" in first.url, first.text[-3000:]
    # The same report as the feedback pages: the cell, the value found, what to change.
    assert "Berkas ditolak" in first.text and "<th scope=\"row\">D2</th>" in first.text and "banyak" in first.text
    target = service.datasets / f"submissions/{period}/disdukcapil/performance.csv"
    assert not target.exists() or target.read_bytes() != bad  # a rejected upload is never placed
    good = performance_csv(period)
    second = upload(s, service, good, "kinerja.csv", period)
    assert "Berkas diterima" in second.text
    sha = hashlib.sha256(good).hexdigest()
    assert sha in second.text and "Kiriman ke-</dt><dd>2</dd>" in second.text.replace("\n", "")
    assert target.read_bytes() == good
    [line] = [x for x in _receipts(service) if x.startswith(f"submissions/{period}/disdukcapil/performance.csv,")]
    received_at = line.split(",")[2]
    assert line == f"submissions/{period}/disdukcapil/performance.csv,{sha},{received_at}"
    assert received_at in second.text
    # Both revisions kept byte for byte in the intake's storage.
    kept = sorted((service.output / "store/intake" / period / "disdukcapil/performance").iterdir())
    assert [p.read_bytes() for p in kept] == [bad, good]
    # The next publish counts the receipt's time.
    done = pipeline("publish", "--datasets", str(service.datasets), "--output", str(service.output),
                    "--no-site", "--no-push")
    assert done.returncode == 0, done.stderr
    index = json.loads((service.output / "store/index.json").read_text(encoding="utf-8"))
    [version] = [v for v in index["versions"] if (v["period"], v["agency"], v["table"]) ==
                 (period, "disdukcapil", "performance")]
    assert (version["sha256"], version["received_at"], version["status"]) == (sha, received_at, "accepted")


def test_the_session_cookie_has_its_flags(service: Service) -> None:
    reply = requests.get(service.url + "/login", timeout=10)
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # Plain http on loopback (the settings refuse http:// anywhere else): Secure would stop the
    # browser from sending the cookie back. The https case: test_secure_cookie_behind_https.
    assert "Secure" not in cookie
    assert reply.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'self'")


def test_a_form_without_its_csrf_token_is_refused(service: Service) -> None:
    s = sign_in(service, "operator-dukcapil", ip="10.0.2.1")
    period = this_period()
    before = _receipts(service)
    reply = s.post(service.url + "/upload", data={"period": period, "table": "auto"},
                   files={"file": ("x.csv", performance_csv(period))}, timeout=30)
    assert reply.status_code == 400 and "Formulir kedaluwarsa" in reply.text
    assert _receipts(service) == before
    login = requests.post(service.url + "/login", data={"username": "operator-dukcapil", "password": "x"}, timeout=10)
    assert login.status_code == 400


def test_agency_a_cannot_upload_for_agency_b(service: Service) -> None:
    s = sign_in(service, "operator-dukcapil", ip="10.0.3.1")
    period = this_period()
    folder = service.datasets / f"submissions/{period}/dpmptsp"
    before = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    reply = upload(s, service, performance_csv(period, agency="dpmptsp", service="izin-usaha"), "x.csv", period,
                   agency="dpmptsp")
    assert reply.status_code == 403
    assert (sorted(p.name for p in folder.iterdir()) if folder.exists() else []) == before


def test_a_traversal_file_name_writes_only_the_agency_file(service: Service, tmp_path: Path) -> None:
    s = sign_in(service, "operator-dpmptsp", ip="10.0.4.1")
    period = this_period()
    data = performance_csv(period, agency="dpmptsp", service="izin-usaha")
    reply = upload(s, service, data, "../../../../portal.toml", period)
    assert "Berkas diterima" in reply.text, reply.text[:3000]
    assert (service.datasets / f"submissions/{period}/dpmptsp/performance.csv").read_bytes() == data
    assert b"deadline_day" in (service.datasets / "portal.toml").read_bytes()
    names = {p.name for p in service.datasets.rglob("*")} | {p.name for p in service.output.rglob("*")}
    assert "portal.toml" in names and not any(".." in n for n in names)
    assert not list(service.datasets.parent.glob("*.toml"))


def test_an_oversized_upload_is_refused_before_it_is_read(service: Service) -> None:
    s = sign_in(service, "operator-dukcapil", ip="10.0.5.1")
    page = s.get(service.url + "/upload", timeout=10)
    cookie = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
    # Announce a 1 GB body, send only the headers: the answer must come without the body.
    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"POST /upload HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
                      f"X-Forwarded-For: 10.0.5.1\r\nX-CSRFToken: {csrf(page.text)}\r\n"
                      "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000000000\r\n\r\n").encode())
        started = time.monotonic()
        answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 10


def test_a_clerk_sees_only_their_agency(service: Service) -> None:
    period = this_period()
    other = sign_in(service, "operator-dpmptsp", ip="10.0.6.1")
    theirs = upload(other, service, performance_csv(period, agency="dpmptsp", service="izin-usaha"), "p.csv", period)
    receipt = theirs.url.rsplit("/", 1)[1]
    s = sign_in(service, "operator-dukcapil", ip="10.0.6.2")
    assert s.get(f"{service.url}/receipt/{receipt}", timeout=10).status_code == 404
    listing = s.get(service.url + "/history", timeout=10).text
    assert f'href="/receipt/{receipt}"' not in listing and "<td>dpmptsp</td>" not in listing
    assert s.get(service.url + "/checklist", timeout=10).status_code == 403
    officer = sign_in(service, "petugas-data", ip="10.0.6.3")
    assert officer.get(f"{service.url}/receipt/{receipt}", timeout=10).status_code == 200
    checklist = officer.get(service.url + "/checklist", timeout=60)
    assert checklist.status_code == 200 and "Perlu dihubungi" in checklist.text


def _attempt(service: Service, username: str, password: str, ip: str) -> requests.Response:
    s = requests.Session()
    s.headers["X-Forwarded-For"] = ip
    page = s.get(service.url + "/login", timeout=10)
    return s.post(service.url + "/login", data={"csrf_token": csrf(page.text), "username": username,
                                               "password": password}, timeout=30)


def test_the_tenth_wrong_password_locks_the_account(service: Service) -> None:
    add = pipeline("accounts", "--datasets", str(service.datasets), "--output", str(service.output), "add",
                   "operator-lock", "--agency", "disdukcapil")
    password = add.stdout.split(" / ")[1].splitlines()[0]
    for attempt in range(1, 10):
        reply = _attempt(service, "operator-lock", f"wrong-{attempt}", f"10.1.0.{attempt}")
        assert "Nama pengguna atau kata sandi salah" in reply.text, attempt
    tenth = _attempt(service, "operator-lock", "wrong-10", "10.1.0.10")
    assert "Akun dikunci sementara" in tenth.text
    # Locked: even the right password is refused until the data officer resets it.
    assert "Akun dikunci sementara" in _attempt(service, "operator-lock", password, "10.1.0.11").text
    reset = pipeline("accounts", "--datasets", str(service.datasets), "--output", str(service.output), "reset",
                     "operator-lock")
    assert reset.returncode == 0
    new = reset.stdout.split(" / ")[1].strip()
    assert _attempt(service, "operator-lock", new, "10.1.0.12").url.endswith("/upload")
    with sqlite3.connect(service.output / "store/intake.sqlite3") as db:
        events = [r[0] for r in db.execute("SELECT event FROM audit WHERE username = 'operator-lock' ORDER BY id")]
    assert events == ["account-added"] + ["login-failed"] * 10 + ["login-locked", "account-reset", "login"]


def test_sign_in_is_rate_limited_per_address(service: Service) -> None:
    replies = [_attempt(service, f"nobody-{i}", "x", "10.2.0.1").status_code for i in range(31)]
    assert replies[:30] == [200] * 30 and replies[30] == 429
    # Another address is not affected.
    assert _attempt(service, "nobody", "x", "10.2.0.2").status_code == 200


def test_every_upload_and_sign_in_is_audited(service: Service) -> None:
    s = sign_in(service, "operator-dpmptsp", ip="10.3.0.1")
    period = this_period()
    upload(s, service, performance_csv(period, agency="dpmptsp", service="izin-usaha"), "p.csv", period)
    with sqlite3.connect(service.output / "store/intake.sqlite3") as db:
        rows = list(db.execute("SELECT event, username, agency, ip FROM audit WHERE ip = '10.3.0.1' ORDER BY id"))
    assert [r[0] for r in rows] == ["login", "upload"]
    assert all(r[1:] == ("operator-dpmptsp", "dpmptsp", "10.3.0.1") for r in rows)


def test_secure_cookie_behind_https(tmp_path: Path) -> None:
    """With an https address (production, nginx in front) the session cookie is Secure and sign-in works over https."""
    from tests.intake.support import make_datasets, start_service

    running = start_service(make_datasets(tmp_path, '[intake]\nurl = "https://unggah.example.go.id"\n'),
                            tmp_path / "out")
    try:
        # What nginx forwards: the original host and scheme.
        proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "unggah.example.go.id",
                 "X-Forwarded-For": "10.4.0.1"}
        s = requests.Session()
        s.headers.update(proxy)
        page = s.get(running.url + "/login", timeout=10)
        cookie = page.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        # The client here speaks plain http to the loopback port, so it would withhold a Secure
        # cookie: hand it over as the browser does over https.
        session_cookie = cookie.split(";", 1)[0]
        done = requests.post(running.url + "/login", data={"csrf_token": csrf(page.text), "username": "petugas-data",
                                                           "password": running.passwords["petugas-data"]},
                             headers=proxy | {"Referer": "https://unggah.example.go.id/login", "Cookie": session_cookie},
                             timeout=30, allow_redirects=False)
        assert done.status_code == 302 and done.headers["Location"].endswith("/upload")
    finally:
        running.stop()


def test_a_clerk_downloads_only_their_own_template(service: Service) -> None:
    import io

    import openpyxl

    s = sign_in(service, "operator-dukcapil", ip="10.5.0.1")
    # Asking for another agency's template gives the clerk's own.
    reply = s.get(service.url + "/templates/performance.xlsx?agency=dpmptsp", timeout=60)
    assert reply.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(reply.content))["performance"].values)
    assert [r[1:3] for r in rows[1:]] == [("disdukcapil", "ktp-el"), ("disdukcapil", "kk"),
                                         ("disdukcapil", "akta-lahir")]
    officer = sign_in(service, "petugas-data", ip="10.5.0.2")
    other = officer.get(service.url + "/templates/performance.xlsx?agency=dpmptsp", timeout=60)
    rows = list(openpyxl.load_workbook(io.BytesIO(other.content))["performance"].values)
    assert [r[1:3] for r in rows[1:]] == [("dpmptsp", "izin-usaha")]
