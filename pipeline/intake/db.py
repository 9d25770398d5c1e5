"""The intake service's state: one SQLite file under the store (``<output>/store/intake.sqlite3``).

It lives beside the store so that a backup of the store carries it.  WAL mode lets the web
workers read while one writes; the schema is migrated in order by the ``schema_version``
table, so an older file is brought up to date on opening.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from pipeline.core.errors import PipelineError

DB_NAME = "intake.sqlite3"

# Each entry brings the schema from its index to the next version; never edit one that shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('clerk', 'officer')),
        agency TEXT,
        email TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        CHECK ((role = 'clerk') = (agency IS NOT NULL))
    );
    CREATE TABLE login_attempts (ip TEXT NOT NULL, at REAL NOT NULL);
    CREATE INDEX login_attempts_ip ON login_attempts (ip, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, event TEXT NOT NULL, username TEXT NOT NULL DEFAULT '',
        agency TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE uploads (
        id INTEGER PRIMARY KEY,
        agency TEXT NOT NULL, period TEXT NOT NULL, table_name TEXT NOT NULL, revision INTEGER NOT NULL,
        fmt TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, status TEXT NOT NULL,
        errors INTEGER NOT NULL, warnings INTEGER NOT NULL, received_at TEXT NOT NULL,
        username TEXT NOT NULL, original_name TEXT NOT NULL, blob TEXT NOT NULL, report TEXT NOT NULL,
        placed TEXT,
        UNIQUE (agency, period, table_name, revision)
    );
    CREATE TABLE sent_messages (
        key TEXT PRIMARY KEY, sent_at TEXT NOT NULL, recipients TEXT NOT NULL, subject TEXT NOT NULL
    );
    """,
)


def db_path(output: Path) -> Path:
    """Where the intake's SQLite file lies."""
    return output / "store" / DB_NAME


def connect(output: Path) -> sqlite3.Connection:
    """Open (and create or migrate) the intake database; PipelineError when it cannot be opened."""
    path = db_path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn)
    except sqlite3.Error as exc:
        raise PipelineError(f"{path}: basis data layanan unggah tidak dapat dibuka / the intake database "
                            f"cannot be opened ({exc})") from None
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations the file has not had yet, each in its own transaction."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    done = row[0] or 0
    for version, script in enumerate(MIGRATIONS[done:], start=done + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another worker may have migrated since we looked.
            if (conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0) >= version:
                conn.execute("COMMIT")
                continue
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def secret_key(conn: sqlite3.Connection) -> str:
    """The key that signs session cookies, made once and kept in the database."""
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('secret_key', ?)", (secrets.token_hex(32),))
    value: str = conn.execute("SELECT value FROM meta WHERE key = 'secret_key'").fetchone()[0]
    return value


def audit(conn: sqlite3.Connection, at: str, event: str, username: str = "", agency: str = "", ip: str = "",
          detail: str = "") -> None:
    """Append one line to the audit log (sign-ins, uploads, account changes)."""
    conn.execute("INSERT INTO audit (at, event, username, agency, ip, detail) VALUES (?, ?, ?, ?, ?, ?)",
                 (at, event, username, agency, ip, detail))
