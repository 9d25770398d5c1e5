"""Failures against a real CKAN: a push killed mid-way, bad or weak tokens, CKAN's validation."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ckan_fixture
import ckanapi
import pytest
from ckan_procs import wait_until_served
from ckan_support import Site, make_site

from pipeline.core.errors import PushError

ROOT = Path(__file__).resolve().parents[2]


def _push_command(site: Site, url: str, token: str) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "CKAN_URL": url, "CKAN_API_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "pipeline", "push", "--datasets", str(site.portal.datasets),
           "--output", str(site.portal.output)]
    return cmd, env


def _expected_state(admin: ckanapi.RemoteCKAN, site: Site) -> None:
    """Exactly the three datasets, each with exactly its three resources, hashes right."""
    found = admin.action.package_search(fq=f"organization:{site.org}", rows=50, include_private=True)
    assert sorted(p["name"] for p in found["results"]) == sorted(
        f"{site.org}-{t.replace('_', '-')}" for t in ckan_fixture.TABLES)
    for table in ckan_fixture.TABLES:
        pkg = admin.action.package_show(id=f"{site.org}-{table.replace('_', '-')}")
        assert [r["name"] for r in pkg["resources"]] == [f"{table}.csv", f"{table}.json", "datapackage.json"]
        assert all(r["hash"].startswith("sha256:") and r["url_type"] == "upload" for r in pkg["resources"])


@pytest.mark.parametrize("kill_after", [2, 7])
def test_push_killed_midway_then_pushed_again_ends_complete(
        site: Site, admin: ckanapi.RemoteCKAN, ckan_server: Any, kill_after: int) -> None:
    cmd, env = _push_command(site, ckan_server.url, ckan_server.token)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    seen = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ckan: ["):
            seen.append(line)
            if len(seen) == kill_after:
                proc.send_signal(signal.SIGKILL)  # the next write call is already under way
                break
    proc.wait(20)
    assert proc.returncode == -signal.SIGKILL and len(seen) == kill_after
    # Let CKAN finish the request the killed client left behind (it may still be writing):
    # until its connection, closed on the client's side, is closed by CKAN too.
    wait_until_served(urlsplit(ckan_server.url).port)
    plan, out = site.push()
    assert 0 < plan.write_calls() <= 13 - kill_after
    assert f"panggilan tulis / write calls: {plan.write_calls()}" in out
    _expected_state(admin, site)
    assert site.push()[0].write_calls() == 0


def test_bad_token_stops_with_the_permission_and_never_shows_the_token(
        site: Site, admin: ckanapi.RemoteCKAN, ckan_server: Any) -> None:
    secret = "rahasia-" + "x" * 40
    cmd, env = _push_command(site, ckan_server.url, secret)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert "create_dataset" in proc.stderr and "CKAN_API_TOKEN" in proc.stderr
    assert secret not in proc.stdout + proc.stderr
    assert "rahasia" not in (site.portal.output / "ckan-plan.json").read_text()
    with pytest.raises(ckanapi.NotFound):  # nothing was written
        admin.action.organization_show(id=site.org)


def test_token_of_user_without_role_names_user_and_permission(
        site: Site, admin: ckanapi.RemoteCKAN, ckan_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    site.push()  # the organization and datasets exist; now a user with no role in it tries
    ckan_fixture.write_table(site.data, "agencies", [["dpmptsp", "Dinas PMPTSP", "true"]])
    name = f"pengguna-{site.org}"
    admin.action.user_create(name=name, email=f"{name}@example.org", password="Pass-word-12345")
    token = admin.action.api_token_create(user=name, name="uji")["token"]
    monkeypatch.setenv("CKAN_API_TOKEN", token)
    with pytest.raises(PushError) as err:
        site.push()
    message = str(err.value)
    assert f"'{name}'" in message and "update_dataset" in message and site.org in message
    assert token not in message


def test_missing_token_is_a_clear_error(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CKAN_API_TOKEN")
    with pytest.raises(PushError, match="CKAN_API_TOKEN is not set"):
        site.push()
    site.push(dry_run=True)  # reading needs no token


def test_ckan_validation_error_names_dataset_and_field(tmp_path: Path, ckan_server: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CKAN_API_TOKEN", ckan_server.token)
    site = make_site(tmp_path, ckan_server.url)
    # portal.toml does not check e-mail syntax; CKAN's package schema does (email_validator).
    site = dataclasses.replace(site, portal=dataclasses.replace(site.portal, contact_email="bukan alamat surel"))
    with pytest.raises(PushError) as err:
        site.push()
    message = str(err.value)
    assert f"'{site.org}-agendas'" in message and "field 'maintainer_email'" in message


def test_dataset_of_another_organization_is_never_taken_over(site: Site, admin: ckanapi.RemoteCKAN) -> None:
    other = admin.action.organization_create(name=f"lain-{site.org}")
    admin.action.package_create(name=f"{site.org}-agencies", owner_org=other["id"], title="Milik orang lain")
    with pytest.raises(PushError, match=f"owned by organization 'lain-{site.org}'"):
        site.push()
    assert admin.action.package_show(id=f"{site.org}-agencies")["owner_org"] == other["id"]


def test_a_full_disk_while_saving_the_plan_is_a_clear_error_and_writes_nothing(
        site: Site, admin: ckanapi.RemoteCKAN, ckan_server: Any, tmp_path: Path) -> None:
    from tests.run_support import fill, tmpfs, tree

    with tmpfs(tmp_path / "mnt", "4m") as mount:
        out = mount / "output"
        shutil.copytree(site.portal.output, out)
        on_disk = dataclasses.replace(site, portal=dataclasses.replace(site.portal, output=out))
        on_disk.push(dry_run=True)  # the descriptors and a plan are saved while there is room
        before = tree(out)
        fill(mount)
        cmd, env = _push_command(on_disk, ckan_server.url, ckan_server.token)
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=120, check=False)
        (mount / "filler").unlink()
        assert proc.returncode == 1, proc.stderr
        assert f"CKAN: disk penuh / disk full: {out}/ckan-plan.json" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert tree(out, skip=("runs.jsonl", ".lock")) == before  # the last plan stays; no temporary file left
    with pytest.raises(ckanapi.NotFound):  # the plan is saved before the first write call: none made
        admin.action.organization_show(id=site.org)
