"""Reminders against a real SMTP server (aiosmtpd on loopback, started here): who gets what, when, exactly once."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import Message
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.intake.support import free_port, pipeline
from tests.run_support import small_datasets
from tests.validate_helpers import agenda_row, write_table

CONTACTS = """agency_code,name,email,role
disdukcapil,Operator data Disdukcapil,operator@disdukcapil.example.go.id,clerk
dpmptsp,Operator data DPMPTSP,operator@dpmptsp.example.go.id,clerk
dpmptsp,Kepala DPMPTSP,kepala@dpmptsp.example.go.id,head
bpjs-kesehatan,Operator BPJS,operator@bpjs.example.go.id,clerk
bpjs-kesehatan,Kepala Cabang BPJS,kepala@bpjs.example.go.id,head
"""


class Inbox:
    """The messages the server received, with their envelope recipients."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        mail = email.message_from_bytes(envelope.content, policy=default)  # type: ignore[attr-defined]
        self.mails.append((sorted(envelope.rcpt_tos), mail))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture()
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture()
def ds(tmp_path: Path, smtp: tuple[Inbox, int]) -> Path:
    """disdukcapil sent everything for 2026-10, dpmptsp only performance, bpjs-kesehatan nothing."""
    ds = small_datasets(tmp_path)
    (ds / "reference/contacts.csv").write_text(CONTACTS, encoding="utf-8")
    toml = ds / "portal.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('max_file_mb = 1\n', 'max_file_mb = 1\n'
                    'contact_email = "data@mpp.example.go.id"\nstart_period = "2026-09"\n')
                    + f'\n[intake]\nreminder_days = 3\n\n[smtp]\nhost = "127.0.0.1"\nport = {smtp[1]}\n'
                    'security = "none"\nsender = "noreply@mpp.example.go.id"\n', encoding="utf-8")
    return ds


def _remind(ds: Path, day: str, *extra: str):
    done = pipeline("remind", "--as-of", day, "--datasets", str(ds), "--output", str(ds.parent / "out"), *extra)
    assert done.returncode == 0, done.stderr
    return done


def _sent(inbox: Inbox) -> list[tuple[list[str], str, str]]:
    """(recipients, Cc, subject) of every mail received, in order."""
    return [(to, str(mail["Cc"] or ""), str(mail["Subject"])) for to, mail in inbox.mails]


def test_first_reminder_before_the_deadline_to_clerks_with_missing_files_once(ds: Path, smtp) -> None:
    inbox, _ = smtp
    _remind(ds, "2026-11-06")  # four days before the deadline of 10 November: too early
    assert inbox.mails == []
    done = _remind(ds, "2026-11-07")
    assert "Pengingat / Reminders: 2 terkirim / sent" in done.stdout
    assert "@" not in done.stdout  # addresses never reach the terminal or a cron log
    assert _sent(inbox) == [
        (["operator@dpmptsp.example.go.id"], "",
         "Pengingat: berkas 2026-10 belum lengkap / Reminder: files for 2026-10 incomplete"),
        (["operator@bpjs.example.go.id"], "",
         "Pengingat: berkas 2026-10 belum lengkap / Reminder: files for 2026-10 incomplete"),
    ]
    body = inbox.mails[0][1].get_content()
    assert body.index("Yth. petugas data") < body.index("Dear data officer")  # Indonesian first
    assert "belum kami terima: agenda, keputusan." in body and "http://127.0.0.1:8080/" in body
    _remind(ds, "2026-11-08")
    _remind(ds, "2026-11-10")
    assert len(inbox.mails) == 2  # each message once


def test_second_reminder_copies_the_head_and_the_officer_gets_a_summary(ds: Path, smtp) -> None:
    inbox, _ = smtp
    _remind(ds, "2026-11-07")
    inbox.mails.clear()
    _remind(ds, "2026-11-11")
    sent = _sent(inbox)
    assert sent[0] == (["kepala@dpmptsp.example.go.id", "operator@dpmptsp.example.go.id"],
                       "kepala@dpmptsp.example.go.id",
                       "Pengingat kedua: berkas 2026-10 terlambat / Second reminder: files for 2026-10 late")
    assert sent[1][0] == ["kepala@bpjs.example.go.id", "operator@bpjs.example.go.id"]
    assert sent[2][:2] == (["data@mpp.example.go.id"], "")
    summary = inbox.mails[2][1].get_content()
    # kantor-pajak has no contact: no reminder, but the officer's summary names it.
    assert "Kantor Pelayanan Pajak Pratama (kantor-pajak): agendas, decisions, performance" in summary
    assert "Dinas Penanaman Modal dan PTSP (dpmptsp): agendas, decisions" in summary
    assert len(sent) == 3
    _remind(ds, "2026-11-12")
    assert len(inbox.mails) == 3


def test_a_rejected_file_gets_a_note_once_and_a_dry_run_sends_nothing(ds: Path, smtp) -> None:
    inbox, _ = smtp
    write_table(ds, "agendas", [agenda_row(date="2026-13-40")], agency="dpmptsp")
    dry = _remind(ds, "2026-11-02", "--dry-run")
    assert "1 akan dikirim / would be sent" in dry.stdout and "rejected  dpmptsp" in dry.stdout
    assert inbox.mails == []
    _remind(ds, "2026-11-02")
    assert _sent(inbox) == [(["operator@dpmptsp.example.go.id"], "",
                             "Berkas agenda 2026-10 ditolak / Agendas file for 2026-10 rejected")]
    _remind(ds, "2026-11-03")
    assert len(inbox.mails) == 1


def test_without_contacts_nothing_is_sent(ds: Path, smtp) -> None:
    inbox, _ = smtp
    (ds / "reference/contacts.csv").unlink()
    done = _remind(ds, "2026-11-11")
    assert "no reference/contacts.csv, no e-mail" in done.stdout and inbox.mails == []


def test_contacts_never_reach_the_output_or_a_log(ds: Path, smtp) -> None:
    out = ds.parent / "out"
    done = pipeline("publish", "--datasets", str(ds), "--output", str(out), "--no-site", "--no-push")
    assert done.returncode == 0, done.stderr
    _remind(ds, "2026-11-11")
    addresses = [line.split(",")[2].encode() for line in CONTACTS.splitlines()[1:]]
    for path in out.rglob("*"):
        if path.is_file() and path.name != "intake.sqlite3":
            data = path.read_bytes()
            assert not any(a in data for a in addresses), path
    assert not any(a.decode() in done.stdout + done.stderr for a in addresses)
