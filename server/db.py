"""The database: one SQLAlchemy engine per app, SQLite tuned for concurrent use.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so that concurrent uploads
wait for each other instead of failing; PostgreSQL (with PostGIS) is the production store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["init_db", "is_postgres", "session_scope"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by the "begin" hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get the pragmas above."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Transactions begin IMMEDIATE: concurrent writers queue on the busy timeout instead
        # of failing when a read lock would have to be upgraded.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def init_db(app: Flask, url: str) -> None:
    """Attach an engine and a session factory to ``app``."""
    engine = make_engine(url)
    app.extensions["petasinyal.engine"] = engine
    app.extensions["petasinyal.sessions"] = sessionmaker(engine, expire_on_commit=False)


def engine() -> Engine:
    engine: Engine = current_app.extensions["petasinyal.engine"]
    return engine


def is_postgres() -> bool:
    return engine().dialect.name == "postgresql"


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session: Session = current_app.extensions["petasinyal.sessions"]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
