"""Accounts of the intake service: clerks (one agency each) and data officers; sign-in with lockout.

Passwords are hashed with Argon2id (argon2-cffi) and never stored or printed except once,
when the data officer creates or resets an account.  Sign-in is limited per address
(``RATE_LIMIT`` attempts in ``RATE_WINDOW`` seconds) and an account is locked for
``LOCK_MINUTES`` after ``MAX_FAILED`` wrong passwords in a row; a reset unlocks it.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pipeline.core.errors import PipelineError
from pipeline.intake.db import audit

MAX_FAILED = 10  # the tenth wrong password in a row locks the account
LOCK_MINUTES = 15
RATE_LIMIT, RATE_WINDOW = 30, 300.0  # sign-in attempts per address and window (seconds)
_HASHER = PasswordHasher()
# Checked when the user name is unknown, so that the answer takes as long as for a known one.
_DUMMY = _HASHER.hash(secrets.token_hex(16))
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


@dataclass(frozen=True)
class Account:
    """One account as the service sees it."""

    id: int
    username: str
    role: str  # clerk or officer
    agency: str | None
    email: str
    disabled: bool

    @property
    def is_officer(self) -> bool:
        """True for the data officer (sees every agency and the checklist)."""
        return self.role == "officer"


def _account(row: sqlite3.Row) -> Account:
    return Account(row["id"], row["username"], row["role"], row["agency"], row["email"], bool(row["disabled"]))


def new_password() -> str:
    """A random password of 16 characters, easy to read out (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def get(conn: sqlite3.Connection, account_id: int) -> Account | None:
    """The account with this id (None when there is none)."""
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return _account(row) if row else None


def add(conn: sqlite3.Connection, username: str, role: str, agency: str | None, email: str, now: str) -> str:
    """Create an account; its first password (shown once)."""
    if not USERNAME_RE.match(username):
        raise PipelineError(f"nama pengguna tidak sah / invalid user name: {username!r} (a-z, 0-9, . _ -)")
    password = new_password()
    try:
        conn.execute("INSERT INTO accounts (username, role, agency, email, password_hash, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (username, role, agency, email, _HASHER.hash(password), now))
    except sqlite3.IntegrityError:
        raise PipelineError(f"nama pengguna sudah ada / user name already exists: {username}") from None
    audit(conn, now, "account-added", username, agency or "", detail=role)
    return password


def reset(conn: sqlite3.Connection, username: str, now: str) -> str:
    """A new password for an account (unlocks and re-enables it); shown once."""
    password = new_password()
    done = conn.execute("UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL, "
                        "disabled = 0 WHERE username = ?", (_HASHER.hash(password), username))
    if done.rowcount != 1:
        raise PipelineError(f"nama pengguna tidak ada / no such user: {username}")
    audit(conn, now, "account-reset", username)
    return password


def disable(conn: sqlite3.Connection, username: str, now: str) -> None:
    """Stop an account from signing in (its uploads stay)."""
    if conn.execute("UPDATE accounts SET disabled = 1 WHERE username = ?", (username,)).rowcount != 1:
        raise PipelineError(f"nama pengguna tidak ada / no such user: {username}")
    audit(conn, now, "account-disabled", username)


def listing(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every account, officers first, then by agency and name."""
    return list(conn.execute("SELECT username, role, agency, email, disabled, failed_logins, locked_until "
                             "FROM accounts ORDER BY role DESC, agency, username"))


def has_officer(conn: sqlite3.Connection) -> bool:
    """True when at least one data officer account exists."""
    return conn.execute("SELECT 1 FROM accounts WHERE role = 'officer'").fetchone() is not None


def sign_in(conn: sqlite3.Connection, username: str, password: str, ip: str, now: datetime) -> Account | str:
    """The account, or why not: ``rate-limited``, ``locked``, ``wrong`` (unknown name, wrong password, disabled)."""
    stamp = now.isoformat(timespec="seconds")
    moment = time.time()
    conn.execute("DELETE FROM login_attempts WHERE at < ?", (moment - RATE_WINDOW,))
    recent = conn.execute("SELECT count(*) FROM login_attempts WHERE ip = ?", (ip,)).fetchone()[0]
    if recent >= RATE_LIMIT:
        audit(conn, stamp, "login-rate-limited", username, ip=ip)
        return "rate-limited"
    conn.execute("INSERT INTO login_attempts (ip, at) VALUES (?, ?)", (ip, moment))
    row = conn.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
    if row is None:
        _verify(_DUMMY, password)
        audit(conn, stamp, "login-failed", username, ip=ip, detail="unknown user")
        return "wrong"
    if row["locked_until"] and row["locked_until"] > stamp:
        audit(conn, stamp, "login-locked", username, row["agency"] or "", ip)
        return "locked"
    if not _verify(row["password_hash"], password) or row["disabled"]:
        failed = row["failed_logins"] + 1
        locked = (now + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds") if failed >= MAX_FAILED else None
        conn.execute("UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE id = ?",
                     (0 if locked else failed, locked, row["id"]))
        audit(conn, stamp, "login-failed", username, row["agency"] or "", ip,
              "locked" if locked else f"failed {failed}")
        return "locked" if locked else "wrong"
    conn.execute("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?", (row["id"],))
    audit(conn, stamp, "login", username, row["agency"] or "", ip)
    return _account(row)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
