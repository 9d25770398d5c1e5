"""Reminders by e-mail (``python -m pipeline remind``), each message sent once.

For the month whose files are being collected (the last month that has ended):

- from ``[intake] reminder_days`` days before the deadline up to the deadline day, a first
  reminder to the clerks of every agency with a file missing;
- from the day after the deadline, a second reminder to those clerks with the head of the
  agency in copy, and one summary to the data officer (``contact_email``);
- a note to the clerks when a file of theirs is rejected (once per file version).

Whom to write to comes from the private ``reference/contacts.csv``; no address is printed or
logged (the command names agencies only).  What was sent is remembered in the intake's
SQLite file, so a daily cron job sends each message once.
"""

from __future__ import annotations

import os
import smtplib
import sqlite3
import ssl
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from pipeline.core import periods
from pipeline.core.config import Portal
from pipeline.core.errors import ConfigError, PipelineError
from pipeline.core.netaddr import is_loopback
from pipeline.intake.checklist import MISSING, REJECTED, Checklist
from pipeline.intake.contacts import Contact

TABLE_NAMES = {"agendas": ("agenda", "agendas"), "decisions": ("keputusan", "decisions"),
               "performance": ("kinerja layanan", "service performance")}


@dataclass(frozen=True)
class Message:
    """One e-mail to send: its key (sent once), its recipients, subject and text."""

    key: str
    agency: str  # "" for the summary to the data officer
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str


def plan(portal: Portal, check: Checklist, contacts: list[Contact], today: date) -> list[Message]:
    """Every message due today for the checklist's month (already-sent ones are filtered by ``send``)."""
    due = check.deadline
    first_day = due - timedelta(days=portal.intake.reminder_days)
    link = portal.intake.address + "/"
    messages: list[Message] = []
    chase: list[str] = []
    for agency in check.agencies:
        clerks = tuple(c.email for c in contacts if c.agency == agency.agency and c.role == "clerk")
        heads = tuple(c.email for c in contacts if c.agency == agency.agency and c.role == "head")
        missing = [i.table for i in agency.items if i.status == MISSING] if agency.owes else []
        if missing:
            chase.append(f"{agency.name} ({agency.agency}): " + ", ".join(missing))
        if clerks and missing and first_day <= today <= due:
            messages.append(Message(f"first:{check.period}:{agency.agency}", agency.agency, clerks, (),
                                    *_first(portal, check, agency.name, missing, link)))
        if clerks and missing and today > due:
            messages.append(Message(f"second:{check.period}:{agency.agency}", agency.agency, clerks, heads,
                                    *_second(portal, check, agency.name, missing, link)))
        for item in agency.items:
            if clerks and item.status == REJECTED:
                version = item.revision if item.revision is not None else item.received_at
                messages.append(Message(f"rejected:{check.period}:{agency.agency}:{item.table}:{version}",
                                        agency.agency, clerks, (),
                                        *_rejected(portal, check, agency.name, item.table, link)))
    if chase and today > due:
        messages.append(Message(f"summary:{check.period}", "", (portal.contact_email,), (),
                                *_summary(portal, check, chase)))
    return messages


def _tables(missing: list[str], lang: int) -> str:
    return ", ".join(TABLE_NAMES[t][lang] for t in missing)


def _first(portal: Portal, check: Checklist, name: str, missing: list[str], link: str) -> tuple[str, str]:
    subject = (f"Pengingat: berkas {check.period} belum lengkap / Reminder: files for {check.period} incomplete")
    body = (f"Yth. petugas data {name},\n\n"
            f"Berkas bulan {check.period} berikut belum kami terima: {_tables(missing, 0)}. Batas waktu pengiriman "
            f"adalah {check.deadline.isoformat()}. Silakan unggah melalui {link}\n\n"
            f"Terima kasih.\n{portal.name}\n\n---\n\n"
            f"Dear data officer of {name},\n\n"
            f"We have not yet received these files for {check.period}: {_tables(missing, 1)}. The deadline is "
            f"{check.deadline.isoformat()}. Please upload them at {link}\n\n"
            f"Thank you.\n{portal.name_en or portal.name}\n")
    return subject, body


def _second(portal: Portal, check: Checklist, name: str, missing: list[str], link: str) -> tuple[str, str]:
    subject = (f"Pengingat kedua: berkas {check.period} terlambat / Second reminder: files for {check.period} late")
    body = (f"Yth. petugas data {name},\n\n"
            f"Batas waktu {check.deadline.isoformat()} telah lewat dan berkas bulan {check.period} berikut belum "
            f"kami terima: {_tables(missing, 0)}. Pimpinan instansi kami sertakan sebagai tembusan. Silakan "
            f"unggah secepatnya melalui {link}\n\nTerima kasih.\n{portal.name}\n\n---\n\n"
            f"Dear data officer of {name},\n\n"
            f"The deadline of {check.deadline.isoformat()} has passed and we have not received these files for "
            f"{check.period}: {_tables(missing, 1)}. The head of the agency is copied. Please upload them as soon "
            f"as possible at {link}\n\nThank you.\n{portal.name_en or portal.name}\n")
    return subject, body


def _rejected(portal: Portal, check: Checklist, name: str, table: str, link: str) -> tuple[str, str]:
    subject = (f"Berkas {TABLE_NAMES[table][0]} {check.period} ditolak / "
               f"{TABLE_NAMES[table][1].capitalize()} file for {check.period} rejected")
    body = (f"Yth. petugas data {name},\n\n"
            f"Berkas {TABLE_NAMES[table][0]} bulan {check.period} yang Anda kirim ditolak. Laporan pemeriksaannya "
            f"menyebut setiap sel yang perlu diperbaiki. Perbaiki lalu unggah lagi melalui {link}\n\n"
            f"Terima kasih.\n{portal.name}\n\n---\n\n"
            f"Dear data officer of {name},\n\n"
            f"The {TABLE_NAMES[table][1]} file you sent for {check.period} was rejected. Its report names every "
            f"cell to fix. Please fix it and upload it again at {link}\n\n"
            f"Thank you.\n{portal.name_en or portal.name}\n")
    return subject, body


def _summary(portal: Portal, check: Checklist, chase: list[str]) -> tuple[str, str]:
    subject = f"Ringkasan {check.period}: berkas yang belum diterima / Summary {check.period}: files not received"
    lines = "\n".join(f"- {c}" for c in chase)
    body = (f"Batas waktu {check.deadline.isoformat()} telah lewat. Instansi yang berkasnya belum diterima:\n"
            f"{lines}\n\n"
            f"Daftar lengkap: python -m pipeline status --period {check.period}\n\n---\n\n"
            f"The deadline of {check.deadline.isoformat()} has passed. "
            "Agencies whose files have not been received:\n"
            f"{lines}\n\nFull checklist: python -m pipeline status --period {check.period}\n")
    return subject, body


def already_sent(conn: sqlite3.Connection, key: str) -> bool:
    """True when the message with this key went out before."""
    return conn.execute("SELECT 1 FROM sent_messages WHERE key = ?", (key,)).fetchone() is not None


def send(portal: Portal, conn: sqlite3.Connection, messages: list[Message], now: str, dry_run: bool) -> list[Message]:
    """Send the messages not sent before (or, dry run, only list them); the ones sent (or due)."""
    due = [m for m in messages if not already_sent(conn, m.key)]
    if dry_run or not due:
        return due
    smtp = portal.smtp
    if smtp.security == "none" and not is_loopback(smtp.host):
        raise ConfigError([("smtp.security = \"none\" hanya untuk server surel di komputer ini / only for a mail "
                            "server on this machine; pakai starttls atau ssl / use starttls or ssl")])
    password = os.environ.get("SMTP_PASSWORD", "")
    try:
        with _connect(portal) as server:
            if smtp.user:
                server.login(smtp.user, password)
            for m in due:
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = smtp.sender, ", ".join(m.to), m.subject
                if m.cc:
                    mail["Cc"] = ", ".join(m.cc)
                mail.set_content(m.body)
                server.send_message(mail)
                # Remembered at once: a failure later in the batch must not send this one again.
                conn.execute("INSERT INTO sent_messages (key, sent_at, recipients, subject) VALUES (?, ?, ?, ?)",
                             (m.key, now, str(len(m.to) + len(m.cc)), m.subject))
    except (OSError, smtplib.SMTPException) as exc:
        raise PipelineError(f"server surel {smtp.host}:{smtp.port} gagal / the mail server failed: {exc}") from None
    return due


def _connect(portal: Portal) -> smtplib.SMTP:
    """A connection to the mail server with the configured encryption."""
    smtp = portal.smtp
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
    server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
    if smtp.security == "starttls":
        server.starttls(context=context)
    return server


def period_for(today: date) -> str:
    """The month being collected: the last one that has ended."""
    return periods.last_ended(today)
