"""The phone's outbox: every reading is committed to SQLite the moment it is taken.

A crash, a killed app or a flat battery loses nothing that was recorded. Readings stay after
upload, marked with the server's answer. A batch keeps its UUID until the server has answered
it, so a sync that was cut off resumes with the same batch and the server answers duplicates.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Batch", "Outbox"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending, synced, rejected
    batch_id TEXT,
    flags TEXT NOT NULL DEFAULT '',
    problems TEXT
);
CREATE INDEX IF NOT EXISTS readings_state ON readings (state, observed_at);
CREATE INDEX IF NOT EXISTS readings_time ON readings (observed_at);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    comment TEXT,
    received_at TEXT,
    reviewed_at TEXT,
    counts TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commands (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    args TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Batch:
    """Readings on their way to the server under one batch UUID."""

    id: str
    readings: list[dict[str, Any]]


class Outbox:
    """SQLite outbox in the app's data folder (thread-safe: sensors and sync share it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a recorded reading survives power loss
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, reading: dict[str, Any]) -> None:
        """Store a validated reading (its ``id`` is the key; adding it twice is a no-op)."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO readings (id, payload, observed_at) VALUES (?, ?, ?)",
                (reading["id"], json.dumps(reading), reading["observed_at"]),
            )

    def counts(self) -> dict[str, int]:
        """Readings per state (pending, synced, rejected)."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM readings GROUP BY state")
            out = {"pending": 0, "synced": 0, "rejected": 0}
            out.update(dict(rows.fetchall()))
            return out

    def last_rowid(self) -> int:
        """The storage position of the newest reading (0 when empty)."""
        with self._lock:
            return int(
                self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM readings").fetchone()[0]
            )

    def next_batch(self, limit: int = 5_000, upto_rowid: int | None = None) -> Batch | None:
        """The batch to send: an unanswered one first (same UUID), else a new one of the
        readings stored up to ``upto_rowid``."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT batch_id FROM readings WHERE state = 'pending' AND "
                "batch_id IS NOT NULL LIMIT 1"
            ).fetchone()
            if row is None:
                ids = [
                    r[0]
                    for r in db.execute(
                        "SELECT id FROM readings WHERE state = 'pending' AND batch_id IS NULL "
                        "AND rowid <= ? ORDER BY observed_at LIMIT ?",
                        (2**62 if upto_rowid is None else upto_rowid, limit),
                    )
                ]
                if not ids:
                    return None
                batch_id = str(uuid.uuid4())
                db.executemany(
                    "UPDATE readings SET batch_id = ? WHERE id = ?", [(batch_id, i) for i in ids]
                )
            else:
                batch_id = row[0]
            payloads = db.execute(
                "SELECT payload FROM readings WHERE batch_id = ? AND "
                "state = 'pending' ORDER BY observed_at",
                (batch_id,),
            )
            return Batch(batch_id, [json.loads(p[0]) for p in payloads])

    def split_batch(self, batch_id: str) -> None:
        """Give the readings of a batch the server found too large back to the queue."""
        with self._transaction() as db:
            db.execute(
                "UPDATE readings SET batch_id = NULL WHERE batch_id = ? AND state = 'pending'",
                (batch_id,),
            )

    def settle(self, batch_id: str, answer: dict[str, Any]) -> None:
        """Apply the server's answer: stored and duplicate readings are synced (never sent
        again), rejected ones keep the reasons and are not resent."""
        flagged = answer.get("flagged") or {}
        with self._transaction() as db:
            for reading_id in [*answer.get("accepted", []), *answer.get("duplicates", [])]:
                # a resend answered "duplicate" carries no flags: keep those of the first answer
                db.execute(
                    "UPDATE readings SET state = 'synced', flags = CASE WHEN ? = '' THEN flags "
                    "ELSE ? END WHERE id = ? AND batch_id = ?",
                    (*[",".join(flagged.get(reading_id, []))] * 2, reading_id, batch_id),
                )
            for item in answer.get("rejected", []):
                if item.get("id"):
                    db.execute(
                        "UPDATE readings SET state = 'rejected', problems = ? WHERE "
                        "id = ? AND batch_id = ?",
                        (json.dumps(item.get("problems")), item["id"], batch_id),
                    )
            # anything the server did not mention goes back to the queue for a new batch
            db.execute(
                "UPDATE readings SET batch_id = NULL WHERE batch_id = ? AND state = 'pending'",
                (batch_id,),
            )
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('last_sync', ?) ON CONFLICT(key) "
                "DO UPDATE SET value = excluded.value",
                (datetime.now(UTC).isoformat(),),
            )

    def readings(self, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Recent readings (newest first) with their state, flags and problems."""
        with self._lock:
            sql = "SELECT payload, state, batch_id, flags, problems FROM readings"
            args: tuple[Any, ...] = ()
            if state:
                sql += " WHERE state = ?"
                args = (state,)
            rows = self._db.execute(sql + " ORDER BY observed_at DESC LIMIT ?", (*args, limit))
            return [
                {
                    **json.loads(p),
                    "_state": s,
                    "_batch": b,
                    "_flags": f,
                    "_problems": json.loads(pr) if pr else None,
                }
                for p, s, b, f, pr in rows.fetchall()
            ]

    def page(
        self, offset: int = 0, limit: int = 50, states: tuple[str, ...] = ()
    ) -> list[dict[str, Any]]:
        """One page of readings, newest first, each with ``_rowid``, ``_state`` (pending,
        synced, rejected), ``_batch`` (the upload it went in), ``_flags`` and ``_problems``."""
        with self._lock:
            where = f" WHERE state IN ({','.join('?' * len(states))})" if states else ""
            rows = self._db.execute(
                "SELECT rowid, payload, state, batch_id, flags, problems FROM readings"
                f"{where} ORDER BY observed_at DESC, rowid DESC LIMIT ? OFFSET ?",
                (*states, limit, offset),
            ).fetchall()
        return [
            {
                **json.loads(p),
                "_rowid": r,
                "_state": s,
                "_batch": b,
                "_flags": f,
                "_problems": json.loads(pr) if pr else None,
            }
            for r, p, s, b, f, pr in rows
        ]

    def since(self, rowid: int = 0, limit: int = 5_000) -> list[tuple[int, dict[str, Any]]]:
        """Readings stored after ``rowid`` (in storage order): the track grows by these."""
        with self._lock:
            rows = self._db.execute(
                "SELECT rowid, payload FROM readings WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (rowid, limit),
            ).fetchall()
        return [(r, json.loads(p)) for r, p in rows]

    def summary(self, since_iso: str) -> dict[str, int]:
        """Counts for the screens: pending, synced, rejected, flagged, and taken since
        ``since_iso`` (the start of the officer's day, as a UTC ISO time)."""
        with self._lock:
            out = self.counts()
            out["flagged"] = self._db.execute(
                "SELECT COUNT(*) FROM readings WHERE flags != ''"
            ).fetchone()[0]
            out["today"] = self._db.execute(
                "SELECT COUNT(*) FROM readings WHERE observed_at >= ?", (since_iso,)
            ).fetchone()[0]
            return out

    def save_uploads(self, uploads: list[dict[str, Any]]) -> None:
        """Remember the review state and comment of each upload (from the server)."""
        with self._transaction() as db:
            for u in uploads:
                db.execute(
                    "INSERT INTO uploads (id, state, comment, received_at, reviewed_at, "
                    "counts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "state = excluded.state, comment = excluded.comment, reviewed_at = "
                    "excluded.reviewed_at, counts = excluded.counts",
                    (
                        u["upload_id"],
                        u["state"],
                        u.get("comment"),
                        u.get("received_at"),
                        u.get("reviewed_at"),
                        json.dumps(u.get("counts")),
                    ),
                )

    def uploads(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, state, comment, received_at, reviewed_at FROM "
                "uploads ORDER BY received_at DESC"
            )
            keys = ("upload_id", "state", "comment", "received_at", "reviewed_at")
            return [dict(zip(keys, r, strict=True)) for r in rows.fetchall()]

    def push_command(self, name: str, args: dict[str, Any]) -> None:
        """Queue a command for the survey engine (the screen asks, the engine acts)."""
        with self._transaction() as db:
            db.execute("INSERT INTO commands (name, args) VALUES (?, ?)", (name, json.dumps(args)))

    def take_commands(self) -> list[tuple[str, dict[str, Any]]]:
        """The queued commands in order, removed from the queue."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM commands LIMIT 1").fetchone() is None:
                return []  # the usual case, once a second: no write transaction
        with self._transaction() as db:
            rows = db.execute("SELECT seq, name, args FROM commands ORDER BY seq").fetchall()
            if rows:
                db.execute("DELETE FROM commands WHERE seq <= ?", (rows[-1][0],))
        return [(name, json.loads(args)) for _, name, args in rows]

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                "SET value = excluded.value",
                (key, value),
            )
