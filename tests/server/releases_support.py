"""A finished heatmap job to publish, shared by the release tests: one survey uploaded by an
officer, all but one upload approved, a job for Telkomsel (510-10) and XL (510-11)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server.jobs import claim_job, create_job, run_job
from server.migrate import upgrade
from server.review import review_upload
from tests.server.web import login, make_cast, recent_survey, send_survey

__all__ = ["build_site", "clone_job", "fetch", "finished_job", "token_for"]


def build_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, villages_file: Path
) -> Iterator[dict[str, Any]]:
    """For a module-scoped fixture parametrized by backend: the app, an admin client, the
    cast's ids, the uploads and a finished job for 510-10 and 510-11."""
    folder = tmp_path_factory.mktemp("releases")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'releases.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"rel_{folder.name[-6:]}")
    upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "t",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BOUNDARIES": str(villages_file),
            "JOBS_DIR": str(folder / "out"),
        }
    )
    client = app.test_client()
    ids = make_cast(app)
    uploads = send_survey(app, client, "ani", recent_survey(3_000), batch=1_000)
    with app.app_context():
        for upload_id in uploads[:-1]:
            review_upload(upload_id, "approved", "admin:admin")
    job_id = finished_job(app, ids["admin"], ["510-10", "510-11"])
    login(client, "admin")
    yield {"app": app, "client": client, "job_id": job_id, "uploads": uploads, "ids": ids}
    app.extensions["petasinyal.engine"].dispose()


def finished_job(
    app: Flask, admin_id: int, operators: list[str], area: dict[str, str] | None = None
) -> int:
    """Queue and run a job at once; its id (it must end done)."""
    with app.app_context():
        job_id = create_job(
            "admin:admin", admin_id, operators, "LTE", area or {"kind": "all"}, spacing=100.0
        )
        assert claim_job() == job_id
        assert run_job(job_id) == "done"
    return job_id


def fetch(client: FlaskClient, url: str, **kwargs: Any) -> tuple[int, bytes]:
    """Status and body of a GET, with the (file) response closed."""
    with client.get(url, **kwargs) as answer:
        return answer.status_code, answer.get_data()


def token_for(app: Flask, username: str) -> dict[str, str]:
    """Headers with a new API token of ``username``."""
    from sqlalchemy import select

    from server.accounts import create_api_token
    from server.db import session_scope
    from server.models import User

    with app.app_context():
        with session_scope() as db:
            user_id = db.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        token = create_api_token(user_id, "tests", f"test:{username}")
    return {"Authorization": f"Bearer {token}"}


def clone_job(app: Flask, job_id: int, operators: list[str] | None = None) -> int:
    """A copy of a finished job (row and product folders), perhaps with only some of its
    operators: another draft to publish without running the maps again."""
    import shutil

    from server.db import session_scope
    from server.jobs import job_folder
    from server.models import Job

    with app.app_context():
        with session_scope() as db:
            job = db.get(Job, job_id)
            assert job is not None and job.state == "done"
            keep = operators or list(job.operators)
            copy = Job(
                created_by=job.created_by,
                state="done",
                params={**job.params, "operators": keep},
                operators=keep,
                progress=1.0,
                started_at=job.started_at,
                finished_at=job.finished_at,
                inputs=dict(job.inputs or {}),
                results=[r for r in job.results if r["operator"] in keep],
            )
            db.add(copy)
            db.flush()
            new_id = copy.id
        for result in job.results:
            if result["operator"] in keep:
                shutil.copytree(
                    job_folder(job_id, result["product"]), job_folder(new_id, result["product"])
                )
    return new_id
