"""Fixtures shared by every test folder: the shared real data and missing-part handling.

A test that needs a part the machine may lack (real data, PostgreSQL, Chromium) calls
``require_part``: on a user's machine it skips with a clear reason; with
``PETASINYAL_REQUIRE_ALL=1`` (as CI sets it) the missing part fails the test instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("PETASINYAL_SHARED_DATA", ROOT.parent / "shared" / "data"))


def require_part(available: bool, what: str) -> None:
    """Skip (or, in CI, fail) when a system part the test needs is missing."""
    if available:
        return
    message = f"missing part: {what}"
    if os.environ.get("PETASINYAL_REQUIRE_ALL") == "1":
        pytest.fail(message + " (PETASINYAL_REQUIRE_ALL=1)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` with the real drive tests and boundaries."""
    require_part((SHARED_DATA / "drivetests").is_dir(), f"real data in {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def cork_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "drivetests" / "cork-gnettrack").rglob("*.csv"))


@pytest.fixture(scope="session")
def ottawa_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "drivetests" / "ottawa-opencellid").rglob("*.csv"))


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A Dask client of a local cluster of two worker processes (tiles leave this process)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
