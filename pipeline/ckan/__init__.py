"""Push the published tables to a CKAN portal: read both sides, plan, then write the difference.

Order: warn about a clear-text address -> read CKAN's licence list -> load <output>/data ->
read CKAN (organization, one package_show per dataset) -> plan (pure) -> save the plan to
<output>/ckan-plan.json -> stop here on --dry-run -> check the token (on every run, even with
nothing to write, so a revoked token shows up the day it stops working) -> execute -> summary.
The token comes from CKAN_API_TOKEN only; the address is shown without its password.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, TextIO
from urllib.parse import urlsplit

from pipeline.ckan.client import CkanClient, RetryPolicy
from pipeline.ckan.execute import Executor
from pipeline.ckan.mapping import LocalDataset, load_local
from pipeline.ckan.plan import CREATE, Plan, make_plan
from pipeline.ckan.progress import Progress, plan_text, summary_text
from pipeline.core.atomic import write_bytes, write_text
from pipeline.core.config import Portal
from pipeline.core.errors import PushError
from pipeline.core.naming import dataset_name
from pipeline.core.netaddr import is_loopback
from pipeline.core.oserrors import describe
from pipeline.core.redact import redact_url

__all__ = ["is_loopback", "push_portal", "write_descriptors"]
PLAN_FILE = "ckan-plan.json"


def push_portal(portal: Portal, dry_run: bool, retry: RetryPolicy | None = None,
                stream: TextIO | None = None) -> Plan:
    """Sync <output>/data to CKAN (or only plan it); raise PushError on any failure."""
    out = stream or sys.stdout
    started = time.monotonic()
    warning = transport_warning(portal.ckan.url)
    if warning:
        print(f"PERINGATAN / WARNING: {warning}", file=sys.stderr)
    token = (os.environ.get("CKAN_API_TOKEN") or "").strip() or None
    client = CkanClient(portal.ckan.url, token, portal.ckan.timeout_seconds, retry or RetryPolicy())
    try:
        licences = client.read("license_list", {}) or []
        local = load_local(portal, {lic["id"] for lic in licences if "id" in lic} or None)
        write_descriptors(local)
        org_name = portal.ckan.organization
        remote_org = client.read("organization_show", {"id": org_name}, subject=org_name)
        remote = {ds.name: client.read("package_show", {"id": ds.name}, subject=ds.name) for ds in local}
        _check_owners(remote, remote_org, org_name)
        _check_old_names(client, portal, local, remote)
        plan = make_plan(client.shown_url, org_name, remote_org, local, remote)
        write_text(portal.output / PLAN_FILE, json.dumps(plan.to_json(), ensure_ascii=False, indent=2) + "\n")
        if dry_run:
            print(plan_text(plan), file=out)
        else:
            _check_token(client, plan, remote_org)
        if not dry_run and plan.write_calls():
            print(f"CKAN {client.shown_url}: {plan.write_calls()} panggilan tulis / write calls", file=out)
            progress = Progress(plan.write_calls(), out)
            org_title = portal.ckan.organization_title or portal.name
            Executor(client, progress, org_title, _org_description(portal)).run(plan, local, remote_org, remote)
            progress.close()
    except PushError as exc:
        raise PushError(client.scrub(f"{exc}{_made(client)}")) from None
    except OSError as exc:  # writing the plan or the descriptors under <output> (a full disk)
        raise PushError(client.scrub(f"CKAN: {describe(exc)}{_made(client)}")) from None
    except Exception as exc:  # noqa: BLE001 - anything unforeseen still must not leak the token
        raise PushError(client.scrub(f"CKAN: {type(exc).__name__}: {exc}{_made(client)}")) from None
    print(summary_text(plan, client.write_calls, time.monotonic() - started, dry_run), file=out)
    return plan


def write_descriptors(local: list[LocalDataset]) -> None:
    """Write each table's own descriptor where its upload reads it (only when its bytes changed)."""
    for ds in local:
        path, data = ds.descriptor
        if not path.is_file() or path.read_bytes() != data:
            write_bytes(path, data)


def transport_warning(url: str) -> str | None:
    """A warning when the token would cross the network in clear text (http to another host)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or is_loopback(parts.hostname or ""):
        return None
    shown = redact_url(url)
    return (f"CKAN_URL {shown} memakai http tanpa enkripsi: token API dan data terkirim tanpa perlindungan; "
            f"gunakan https. / CKAN_URL {shown} uses plain http: the API token and the data travel "
            "unprotected; use https.")


def _check_owners(remote: dict[str, dict[str, Any] | None], org: dict[str, Any] | None, org_name: str) -> None:
    """Never take over a dataset of another organization that happens to have our name."""
    for name, pkg in remote.items():
        if pkg is not None and (org is None or pkg.get("owner_org") != org["id"]):
            owner = (pkg.get("organization") or {}).get("name") or pkg.get("owner_org") or "-"
            raise PushError(
                f"Dataset '{name}' sudah ada di CKAN milik organisasi '{owner}', bukan '{org_name}'; "
                "ganti [ckan] organization atau pindahkan dataset itu secara manual. / Dataset "
                f"'{name}' already exists in CKAN, owned by organization '{owner}', not '{org_name}'; "
                "change [ckan] organization or move that dataset by hand.")


def _check_old_names(client: CkanClient, portal: Portal, local: list[LocalDataset],
                     remote: dict[str, dict[str, Any] | None]) -> None:
    """Stop rather than create datasets beside the ones pushed under the old ``<organization>-<table>`` names.

    Names carry the city (``[ckan] dataset_prefix``) since issue 12; a portal that pushed before
    with another organization name would otherwise get every table twice, silently.
    """
    org = portal.ckan.organization
    if portal.ckan.dataset_prefix == org:
        return
    missing = [ds.table for ds in local if remote.get(ds.name) is None]
    old = [dataset_name(org, t) for t in missing]
    found = [n for n in old if client.read("package_show", {"id": n}, subject=n) is not None]
    if found:
        shown = ", ".join(found[:3]) + (" ..." if len(found) > 3 else "")
        raise PushError(
            f"CKAN sudah memuat dataset dengan nama lama ({shown}); push berhenti agar tidak ada dataset ganda. "
            f"Pertahankan nama lama dengan [ckan] dataset_prefix = \"{org}\" di portal.toml, atau ganti dulu "
            f"nama dataset itu di CKAN menjadi {portal.ckan.dataset_prefix}-<tabel>. / CKAN already holds "
            f"datasets under the old names ({shown}); the push stops so that nothing is doubled. Keep the old "
            f"names with [ckan] dataset_prefix = \"{org}\" in portal.toml, or first rename those datasets in "
            f"CKAN to {portal.ckan.dataset_prefix}-<table>.")


def _made(client: CkanClient) -> str:
    """How far a failed push got (the next push starts from there)."""
    return f" [{client.write_calls} panggilan tulis terkirim / write calls sent]" if client.write_calls else ""


def _check_token(client: CkanClient, plan: Plan, remote_org: dict[str, Any] | None) -> None:
    """Every real push, writes or not: is there a token, does CKAN know it, may it write here?"""
    org = plan.organization
    needed = "create_dataset" if any(d.action == CREATE for d in plan.datasets) else "update_dataset"
    if not client.token:
        raise PushError(
            "CKAN_API_TOKEN belum diisi: buat token API di profil pengguna CKAN yang berperan editor "
            f"atau admin organisasi '{org}' (izin {needed}). / CKAN_API_TOKEN is not set: create an "
            f"API token in the profile of a CKAN user with the editor or admin role in organization "
            f"'{org}' (permission {needed}).")
    user = client.read("user_show", {})
    if user is None:
        raise PushError(
            "CKAN tidak mengenali token di CKAN_API_TOKEN (salah, kedaluwarsa, atau dicabut); "
            f"dibutuhkan token pengguna dengan izin {needed} di organisasi '{org}'. / CKAN does not "
            "recognise the token in CKAN_API_TOKEN (wrong, expired or revoked); a token of a user "
            f"with the permission {needed} in organization '{org}' is needed.")
    if user.get("sysadmin"):
        return
    if remote_org is None:
        raise client.denied("organization_create", 403, f"{org}; user '{user.get('name')}'")
    orgs = client.read("organization_list_for_user", {"id": user["id"], "permission": needed}) or []
    if org not in {o.get("name") for o in orgs}:
        raise PushError(
            f"Pengguna CKAN '{user.get('name')}' tidak punya izin {needed} di organisasi '{org}'; "
            f"minta admin organisasi menjadikannya editor. / CKAN user '{user.get('name')}' lacks the "
            f"permission {needed} in organization '{org}'; ask an organization admin to make them an editor.")


def _org_description(portal: Portal) -> str:
    """The organization's description when the push creates it."""
    lines = [f"{portal.name}, {portal.city}."]
    if portal.name_en:
        lines.append(f"{portal.name_en}.")
    if portal.site_url:
        lines.append(portal.site_url)
    return "\n\n".join(lines)
