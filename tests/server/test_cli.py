"""Server commands: users, enrolment codes, revocation, and imports through the upload path."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.cli import main
from tests.server.test_live import count


def test_user_code_and_revocation_commands(
    db_url: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETASINYAL_PASSWORD", "rahasia-123")
    assert main(["db", "upgrade", "--db", db_url]) == 0
    assert main(["create-user", "ani", "--role", "officer", "--db", db_url]) == 0
    assert main(["create-user", "ani", "--role", "officer", "--db", db_url]) == 2
    assert main(["create-user", "tsel", "--role", "provider", "--db", db_url]) == 2
    assert (
        main(["create-user", "tsel", "--role", "provider", "--operators", "510-10", "--db", db_url])
        == 0
    )
    assert main(["enrol-code", "ani", "--db", db_url]) == 0
    assert main(["enrol-code", "tsel", "--db", db_url]) == 2  # providers enrol no phones
    assert main(["revoke-device", "99", "--db", db_url]) == 2
    out, err = capsys.readouterr()
    assert "created with id 1" in out and "valid until" in out
    assert "exists" in err and "needs at least one operator" in err and "no device 99" in err


def test_import_uploads_is_idempotent(
    db_url: str,
    ottawa_files: list[Path],
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PETASINYAL_PASSWORD", "rahasia-123")
    main(["create-user", "ani", "--role", "officer", "--db", db_url])
    files = [str(f) for f in ottawa_files]
    assert main(["import-uploads", *files, "--officer", "ani", "--db", db_url]) == 0
    assert main(["import-uploads", *files, "--officer", "ani", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "stored 1900, duplicates 0" in out and "stored 0, duplicates 1900" in out
    assert count(db_url) == (1_900, 1_900)
