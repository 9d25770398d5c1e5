"""``python -m pipeline intake`` and ``accounts``: start the service, manage its accounts."""

from __future__ import annotations

import os
import sys
from datetime import datetime

import click

from pipeline.core.config import Portal
from pipeline.core.errors import PipelineError
from pipeline.intake import accounts
from pipeline.intake.db import connect, db_path

SAMPLE_OFFICER = "petugas-data"


def start(portal: Portal, workers: int) -> None:
    """Create the sample officer on first start (password printed once), then become gunicorn on 127.0.0.1."""
    conn = connect(portal.output)
    try:
        if not accounts.has_officer(conn):
            password = accounts.add(conn, SAMPLE_OFFICER, "officer", None, portal.contact_email, _now(portal))
            click.echo("Akun petugas data dibuat (kata sandi hanya ditampilkan sekali) / data officer account "
                       "created (the password is shown only once):")
            click.echo(f"  {SAMPLE_OFFICER} / {password}")
            click.echo("Tambah akun instansi / add agency accounts: python -m pipeline accounts add NAME --agency CODE")
    finally:
        conn.close()
    port = portal.intake.port
    click.echo(f"Layanan unggah / intake service: http://127.0.0.1:{port}/ ({db_path(portal.output)})", err=True)
    env = dict(os.environ, INTAKE_DATASETS=str(portal.datasets.resolve()), INTAKE_OUTPUT=str(portal.output.resolve()))
    sys.stdout.flush()
    sys.stderr.flush()
    args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            # An upload is judged while the clerk waits: allow a large workbook two minutes.
            "--timeout", "120", "--graceful-timeout", "10", "--no-control-socket", "--access-logfile", "-",
            "pipeline.intake.wsgi:app"]
    try:
        os.execvpe(sys.executable, args, env)
    except OSError as exc:
        raise PipelineError(f"gunicorn tidak dapat dijalankan / cannot start gunicorn: {exc}") from None


def _now(portal: Portal) -> str:
    return datetime.now(portal.tz).isoformat(timespec="seconds")


def add(portal: Portal, username: str, agency: str | None, officer: bool, email: str | None) -> None:
    """Create a clerk (one agency) or a data officer; print the first password once."""
    from pipeline.intake.contacts import load_contacts
    from pipeline.validate import load_reference

    known = set(load_reference(portal).agencies)
    if officer == (agency is not None):
        raise click.UsageError("sebutkan --agency KODE atau --officer / give --agency CODE or --officer")
    if agency is not None and agency not in known:
        raise PipelineError(f"instansi tidak dikenal / unknown agency: {agency!r} (reference/agencies.csv)")
    if email is None:
        clerks = [c.email for c in load_contacts(portal, known) if c.agency == agency and c.role == "clerk"]
        email = clerks[0] if clerks and agency else (portal.contact_email if officer else "")
    conn = connect(portal.output)
    try:
        password = accounts.add(conn, username, "officer" if officer else "clerk", agency, email, _now(portal))
    finally:
        conn.close()
    click.echo(f"{username} / {password}")
    click.echo("Kata sandi hanya ditampilkan sekali / the password is shown only once.")


def reset(portal: Portal, username: str) -> None:
    """A new password (unlocks the account); printed once."""
    conn = connect(portal.output)
    try:
        click.echo(f"{username} / {accounts.reset(conn, username, _now(portal))}")
    finally:
        conn.close()


def disable(portal: Portal, username: str) -> None:
    """The account can no longer sign in."""
    conn = connect(portal.output)
    try:
        accounts.disable(conn, username, _now(portal))
        click.echo(f"{username}: dinonaktifkan / disabled")
    finally:
        conn.close()


def listing(portal: Portal) -> None:
    """Every account: name, role, agency, state."""
    conn = connect(portal.output)
    try:
        for row in accounts.listing(conn):
            state = "nonaktif / disabled" if row["disabled"] else (
                f"terkunci s.d. / locked until {row['locked_until']}" if row["locked_until"] else "aktif / active")
            click.echo(f"{row['username']:<24} {row['role']:<8} {row['agency'] or '-':<16} {state}")
    finally:
        conn.close()
