"""Secrets and transport: tokens checked on every push, passwords in URLs never shown, clear-text http warned about."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ckanapi
import pytest
from ckan_support import Site, make_site

from pipeline.ckan import is_loopback, transport_warning
from pipeline.ckan.client import CkanClient, RetryPolicy
from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError, PushError
from pipeline.core.redact import redact_text, redact_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Sandi-Rahasia-7391"


def _with_userinfo(url: str, userinfo: str) -> str:
    """``url`` with ``userinfo@`` in front of its host."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))


def _cli_push(site: Site, url: str, token: str | None, *extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline push`` as cron runs it, with CKAN_URL and the token from the environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("CKAN_URL", "CKAN_API_TOKEN")}
    env["CKAN_URL"] = url
    if token is not None:
        env["CKAN_API_TOKEN"] = token
    cmd = [sys.executable, "-m", "pipeline", "push", "--datasets", str(site.portal.datasets),
           "--output", str(site.portal.output), *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=300)


# ---- without a server ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "shown"), [
    ("http://admin:PW@host", "http://admin:***@host"),
    ("https://admin:p@ss@ckan.example.go.id:8443/x?y=a@b", "https://admin:***@ckan.example.go.id:8443/x?y=a@b"),
    ("CKAN at http://u:p%40w@h.example could not be reached", "CKAN at http://u:***@h.example could not be reached"),
    ("https://tok123@h.example/", "https://***@h.example/"),
    ("https://ckan.example.go.id/api/3/action/x, mailto:data@example.go.id",
     "https://ckan.example.go.id/api/3/action/x, mailto:data@example.go.id"),
])
def test_credentials_in_urls_are_redacted(text: str, shown: str) -> None:
    assert redact_text(text) == shown


def test_client_messages_never_show_the_password() -> None:
    url = f"https://admin:{PASSWORD}@ckan.example.go.id"
    client = CkanClient(url, "tok", 5, RetryPolicy(1))
    assert client.shown_url == "https://admin:***@ckan.example.go.id" == redact_url(url)
    message = str(client.unreachable("license_list", ConnectionError(f"refused by {url}")))
    assert PASSWORD not in message and "admin:***@ckan.example.go.id" in message


@pytest.mark.parametrize(("url", "warned"), [
    ("http://ckan.example.go.id", True),
    (f"http://admin:{PASSWORD}@10.1.2.3:5000", True),
    ("http://127.0.0.1:5000", False),
    ("http://127.8.9.10", False),
    ("http://[::1]:5000", False),
    ("http://localhost:5000", False),
    ("https://ckan.example.go.id", False),
    ("HTTP://CKAN.EXAMPLE.GO.ID", True),
])
def test_plain_http_to_another_host_is_warned_about(url: str, warned: bool) -> None:
    warning = transport_warning(url)
    assert (warning is not None) == warned
    if warning:
        assert "https" in warning and warning.index("tanpa enkripsi") < warning.index("plain http")
        assert PASSWORD not in warning


def test_loopback_means_this_machine_only() -> None:
    assert [is_loopback(h) for h in ("localhost", "127.0.0.1", "127.255.0.1", "::1", "128.0.0.1", "example.go.id",
                                     "localhost.example.go.id")] == [True, True, True, True, False, False, False]


def test_a_password_in_ckan_url_is_not_shown_by_a_config_error(tmp_path: Path) -> None:
    site = make_site(tmp_path, "")
    done = _cli_push(site, f"http://admin:{PASSWORD}@ckan.example.go.id:port/", "tok")
    assert done.returncode == 2 and "'ckan.url'" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr



def test_public_addresses_with_a_password_are_refused(tmp_path: Path) -> None:
    """site_url is printed on every page and licence_url is linked: no credentials there, ever."""
    toml = (ROOT / "tests" / "fixtures" / "validate" / "portal.toml").read_text(encoding="utf-8")
    (tmp_path / "portal.toml").write_text(toml.replace(
        'site_url = "https://mpp.example.go.id"', f'site_url = "https://admin:{PASSWORD}@mpp.example.go.id"'),
        encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_portal(tmp_path, tmp_path / "output")
    assert err.value.problems == ["portal.toml: 'site_url' tidak boleh memuat nama pengguna atau kata sandi / "
                                  "must not contain a user name or password"]

# ---- against the real CKAN -------------------------------------------------------------------

def _editor_token(admin: ckanapi.RemoteCKAN, site: Site) -> str:
    """An API token of a new user made editor of the site's organization."""
    name = f"editor-{site.org}"
    admin.action.user_create(name=name, email=f"{name}@example.org", password="Pass-word-12345")
    admin.action.organization_member_create(id=site.org, username=name, role="editor")
    return admin.action.api_token_create(user=name, name="push")["token"]


def test_revoked_token_fails_even_with_nothing_to_write(site: Site, admin: ckanapi.RemoteCKAN,
                                                        ckan_server: Any) -> None:
    site.push()  # as sysadmin: organization and datasets exist, nothing left to write
    token = _editor_token(admin, site)
    ok = _cli_push(site, ckan_server.url, token)
    assert ok.returncode == 0, ok.stderr
    assert "panggilan tulis / write calls: 0" in ok.stdout
    admin.action.api_token_revoke(token=token)
    revoked = _cli_push(site, ckan_server.url, token)
    assert revoked.returncode == 1
    assert "GAGAL / FAILED" in revoked.stderr
    assert "CKAN does not recognise the token in CKAN_API_TOKEN (wrong, expired or revoked)" in revoked.stderr
    assert token not in revoked.stdout + revoked.stderr


def test_no_token_fails_even_with_nothing_to_write_but_a_dry_run_needs_none(
        site: Site, ckan_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    site.push()
    assert site.push()[0].write_calls() == 0
    monkeypatch.delenv("CKAN_API_TOKEN")
    with pytest.raises(PushError, match="CKAN_API_TOKEN is not set"):
        site.push()
    plan, out = site.push(dry_run=True)
    assert plan.write_calls() == 0 and "uji coba" in out
    done = _cli_push(site, ckan_server.url, None)
    assert done.returncode == 1 and "CKAN_API_TOKEN belum diisi" in done.stderr


def test_password_in_the_ckan_url_appears_in_no_output(site: Site, ckan_server: Any) -> None:
    url = _with_userinfo(ckan_server.url, f"admin:{PASSWORD}")
    shown = _with_userinfo(ckan_server.url, "admin:***")
    plan_file = site.portal.output / "ckan-plan.json"
    dry = _cli_push(site, url, None, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Rencana / Plan: {shown}" in dry.stdout
    assert json.loads(plan_file.read_text(encoding="utf-8"))["ckan_url"] == shown
    real = _cli_push(site, url, ckan_server.token)
    down = _cli_push(site, _with_userinfo("http://127.0.0.1:9", f"admin:{PASSWORD}"), ckan_server.token)
    assert down.returncode == 1 and "admin:***@127.0.0.1:9" in down.stderr
    for run in (dry, real, down):
        assert PASSWORD not in run.stdout + run.stderr
    assert PASSWORD not in plan_file.read_text(encoding="utf-8")
