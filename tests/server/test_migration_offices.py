"""Migration 0005 on a database with data in it: everyone goes to the provincial office,
whose code comes from the readings already stored; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from server.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (not migrated), on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    request.node.add_marker(pytest.mark.postgres)
    cluster = request.getfixturevalue("postgres")
    return str(cluster.create_database(f"m{uuid.uuid4().hex[:12]}"))


def _filler(column: sa.Column[Any]) -> Any:
    """A plausible value for a required column of the old schema."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.BigInteger):
        return 0
    if isinstance(kind, sa.Float):
        return 0.0
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 11, 1, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return datetime(2026, 11, 1).date()
    if isinstance(kind, sa.JSON):
        return []
    return "x"


def _insert(db: sa.Connection, tables: sa.MetaData, table_name: str, **values: Any) -> None:
    table = tables.tables[table_name]
    row = {
        c.name: _filler(c)
        for c in table.columns
        if not c.nullable and c.name not in values and not (c.primary_key and c.autoincrement)
    }
    db.execute(table.insert().values({**row, **values}))


def test_existing_data_moves_into_the_provincial_office(fresh_url: str) -> None:
    db_url = fresh_url
    upgrade(db_url, "0004")
    engine = sa.create_engine(db_url)
    old = sa.MetaData()
    with warnings.catch_warnings():  # PostGIS's geometry column is left out of the rows
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        old.reflect(
            engine, only=["users", "campaigns", "jobs", "devices", "uploads", "measurements"]
        )
    assert not sa.inspect(engine).has_table("offices")
    with engine.begin() as db:
        for uid, (name, role) in enumerate(
            [("admin", "admin"), ("ani", "officer"), ("tsel", "provider")], start=1
        ):
            _insert(db, old, "users", id=uid, username=name, role=role, active=True)
        _insert(db, old, "campaigns", id=1, name="Survei Riau", village_codes=["14.01.01.2001"])
        _insert(db, old, "jobs", id=1, created_by=1, params={"tech": "LTE"}, state="done")
        _insert(db, old, "devices", id=1, officer_id=2, token_hash="t" * 64, name="hp")
        _insert(db, old, "uploads", id="u1", device_id=1, state="approved")
        for n, code in enumerate(["14.01.01.2001", "14.01.01.2001", "13.06.01.2001", None]):
            _insert(
                db,
                old,
                "measurements",
                id=f"m{n}",
                upload_id="u1",
                source_device_id=1,
                village_code=code,
                lat=0.5,
                lon=101.4,
                tech="LTE",
            )
    engine.dispose()

    upgrade(db_url)

    engine = sa.create_engine(db_url)
    with engine.begin() as db:
        offices = db.execute(sa.text("SELECT id, code, name FROM offices")).all()
        users = dict(db.execute(sa.text("SELECT username, office_id FROM users")).all())
        campaign = db.execute(sa.text("SELECT office_id FROM campaigns")).scalar_one()
        job = db.execute(sa.text("SELECT office_id FROM jobs")).scalar_one()
        # a new office after the migration gets a fresh id (PostgreSQL's sequence moved on)
        db.execute(
            sa.text("INSERT INTO offices (code, name, created_at) VALUES ('14.01', 'K', :t)"),
            {"t": datetime.now(UTC)},
        )
        new_id = db.execute(sa.text("SELECT id FROM offices WHERE code = '14.01'")).scalar_one()
    engine.dispose()
    assert offices == [(1, "14", "Diskominfo Provinsi Riau")]  # the readings' province
    assert users == {"admin": 1, "ani": 1, "tsel": None}  # providers belong to no office
    assert campaign == 1 and job == 1 and new_id == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_empty_database_gets_the_default_province(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT code FROM offices")).scalars().all() == ["13"]
    engine.dispose()
