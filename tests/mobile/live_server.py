"""A real server for the phone's tests: SQLite in the test's folder, officer ``ani``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import Flask

from server import create_app
from server.accounts import create_user, issue_enrol_code
from server.migrate import upgrade

__all__ = ["code_for", "officer_server"]


def officer_server(tmp_path: Path) -> Iterator[Flask]:
    """The app with one officer; ``config["DB_URL"]`` is its database."""
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "MAX_BATCH": 400})
    app.config["DB_URL"] = url
    with app.app_context():
        create_user("ani", "rahasia-123", "officer")
    yield app
    app.extensions["petasinyal.engine"].dispose()


def code_for(app: Flask) -> str:
    """A one-time enrolment code for Ani's phone."""
    with app.app_context():
        return issue_enrol_code("ani", 30)[0]
