"""What every server command shares: the app on the database it names (errors in one line),
a scope that closes its connections, running one action, and printing a table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.cli_args import CommandError, one_line

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["app_scope", "command_app", "first_line", "in_app", "print_table"]


def command_app(db: str | None, create: bool = False) -> Flask:
    """The app on ``db``; a missing SQLite file is made only when ``create`` is set."""
    from sqlalchemy.exc import SQLAlchemyError

    from server import create_app

    config = {}
    if db:
        if "://" not in db and not create and not Path(db).is_file():
            raise CommandError(f"no database file {db} (make it with `petasinyal db upgrade`)")
        config["DATABASE_URL"] = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    try:
        return create_app(config)
    except (SQLAlchemyError, ImportError) as exc:
        raise CommandError(f"cannot use the database {hidden_url(db)}: {first_line(exc)}") from exc


def hidden_url(db: str | None) -> str:
    """``db`` as it may be printed: a URL's password masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db or "").render_as_string(hide_password=True)
    except ArgumentError:
        return db or "(default)"


def first_line(exc: BaseException) -> str:
    """The driver's own message, without SQLAlchemy's SQL and background lines."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return one_line(lines[0] if lines else type(cause).__name__)


def check_database(app: Flask) -> None:
    """Refuse a database that cannot be opened or has no PetaSinyal tables, in one line."""
    from sqlalchemy import inspect

    engine = app.extensions["petasinyal.engine"]
    shown = engine.url.render_as_string(hide_password=True)
    with engine.connect() as connection:
        ready = inspect(connection).has_table("uploads")
    if not ready:
        raise CommandError(f"{shown} has no PetaSinyal tables (run `petasinyal db upgrade`)")


@contextmanager
def app_scope(db: str | None, create: bool = False) -> Iterator[Flask]:
    """An app for one command; its database connections are closed afterwards, and database
    errors end the command with one line."""
    from sqlalchemy.exc import SQLAlchemyError

    app = command_app(db, create)
    try:
        with app.app_context():
            if not create:
                check_database(app)
            yield app
    except SQLAlchemyError as exc:
        raise CommandError(f"database error: {first_line(exc)}") from exc
    finally:
        app.extensions["petasinyal.engine"].dispose()


def in_app(db: str | None, action: Callable[[Flask], str]) -> int:
    """Run ``action`` in an app context; print its message (errors end the command)."""
    with app_scope(db) as app:
        try:
            message = action(app)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
    print(message)
    return 0


def print_table(table: list[list[str]]) -> None:
    """Rows as left-aligned columns; control characters in stored names become spaces."""
    cells = [[one_line(cell) for cell in row] for row in table]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
