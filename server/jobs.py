"""Heatmap jobs: queued in the database, run in the background, never lost on a restart.

A job row holds what the admin asked for (``params``) and, once it runs, what the readings
were (``inputs``: counts, the uploads and a digest of the reading ids). A worker claims the
oldest queued job with a conditional update (safe with several workers), keeps a heartbeat
while it runs and writes the products into ``JOBS_DIR/<job id>/<MCC-MNC>-<tech>/``. A job
whose heartbeat stops (the server was stopped or crashed) is queued again, and marked failed
with the reason once it has been interrupted ``JOB_MAX_ATTEMPTS`` times. An admin may cancel a
queued or running job: it ends ``cancelled`` (its own state, never ``failed``).

Messages are stored in English from :mod:`server.job_messages` and translated where shown.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from analysis.methods import METHODS
from server.audit import record
from server.db import session_scope
from server.job_messages import compose
from server.mailer import deliver_due
from server.models import Campaign, Job, User, utcnow
from server.notify import notify
from server.offices import survey_office
from server.regions import current_regions
from server.review import approved_frame, approved_uploads

__all__ = [
    "ENDED",
    "JobCancelled",
    "JobWorker",
    "cancel_job",
    "claim_job",
    "create_job",
    "job_folder",
    "jobs_dir",
    "recover_stale_jobs",
    "run_job",
]

log = logging.getLogger(__name__)
TECHS = ("LTE", "NR", "WCDMA", "GSM")
ENDED = ("done", "failed", "cancelled")  # a job in these states never changes again


def _tell_creator(session: Session, job: Job, state: str) -> None:
    """Notify the admin who started ``job`` that it ended (``done``, ``failed``, ``cancelled``)."""
    notify(
        session,
        [job.created_by],
        "job.finished",
        {"job_id": job.id, "state": state, "message": job.message},
        f"/jobs/{job.id}",
    )


def jobs_dir() -> Path:
    configured = current_app.config.get("JOBS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "jobs"


def job_folder(job_id: int, product: str | None = None) -> Path:
    folder = jobs_dir() / str(job_id)
    return folder / product if product else folder


def create_job(
    actor: str,
    user_id: int,
    operators: list[str],
    tech: str,
    area: dict[str, str],
    method: str = "auto",
    spacing: float = 50.0,
) -> int:
    """Queue a heatmap job; ``area`` is ``{"kind": "all" | "campaign" | "kabupaten", ...}``."""
    if not operators:
        raise ValueError("choose at least one operator")
    if tech not in TECHS:
        raise ValueError(f"technology must be one of {', '.join(TECHS)}")
    if method != "auto" and method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if not 10 <= spacing <= 1000:
        raise ValueError("cell size must be 10 to 1000 m")
    if area.get("kind") not in ("all", "campaign", "kabupaten"):
        raise ValueError("area must be everything, a campaign or a kabupaten")
    params = {
        "operators": sorted(set(operators)),
        "tech": tech,
        "area": area,
        "method": method,
        "spacing": float(spacing),
    }
    with session_scope() as session:
        creator = session.get(User, user_id)
        job = Job(
            created_by=user_id,
            params=params,
            operators=params["operators"],
            office_id=creator.office_id if creator else None,
        )
        session.add(job)
        session.flush()
        record(session, actor, "job.create", f"job:{job.id}", None, params)
        return job.id


def claim_job() -> int | None:
    """Take the oldest queued job for this worker; ``None`` when there is none."""
    with session_scope() as session:
        job_id = session.scalar(
            select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
        )
        if job_id is None:
            return None
        now = utcnow()
        taken = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(
                state="running",
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
                progress=0.0,
            )
        ).rowcount  # type: ignore[attr-defined]
        return job_id if taken == 1 else None


def recover_stale_jobs() -> list[int]:
    """Queue again (or fail) the running jobs whose worker stopped; their ids."""
    config = current_app.config
    limit = utcnow() - timedelta(seconds=float(config["JOB_STALE_SECONDS"]))
    touched = []
    with session_scope() as session:
        stale = session.scalars(
            select(Job).where(Job.state == "running", Job.heartbeat_at < limit)
        ).all()
        for job in stale:
            before = {"state": job.state, "attempts": job.attempts}
            if job.attempts >= int(config["JOB_MAX_ATTEMPTS"]):
                job.state, job.finished_at = "failed", utcnow()
                job.message = compose("interrupted", times=job.attempts)
                _tell_creator(session, job, "failed")
            else:
                job.state = "queued"
                job.message = compose("requeued")
            record(session, "system", "job.recover", f"job:{job.id}", before, {"state": job.state})
            touched.append(job.id)
    return touched


def _area_filter(area: dict[str, str]) -> tuple[list[str] | None, str | None, str]:
    """Village codes or kabupaten prefix of an area, and a label for the inputs."""
    if area["kind"] == "campaign":
        with session_scope() as session:
            campaign = session.get(Campaign, int(area["value"]))
            if campaign is None:
                raise ValueError(f"campaign {area['value']} no longer exists")
            return list(campaign.village_codes or []), None, campaign.name
    if area["kind"] == "kabupaten":
        return None, str(area["value"]), str(area.get("label") or area["value"])
    return None, None, "all"


def _inputs(frame: Any, operators: list[str], uploads: list[str], area: str) -> dict[str, Any]:
    """What the job read: counts per operator, the uploads and a digest of the reading ids."""
    ids = sorted(frame["id"].astype(str))
    labels = (frame["mcc"].astype("string") + "-" + frame["mnc"].astype("string")).tolist()
    return {
        "area": area,
        "readings": len(ids),
        "per_operator": {op: labels.count(op) for op in operators},
        "reading_ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
        "uploads": uploads,
        "first_observed": str(frame["observed_at"].min()) if ids else None,
        "last_observed": str(frame["observed_at"].max()) if ids else None,
    }


class JobCancelled(Exception):
    """The job stopped running under the worker's feet (cancelled by an admin)."""


def cancel_job(job_id: int, actor: str) -> bool:
    """Stop a queued or running job (the worker stops at its next step); whether it was."""
    with session_scope() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            raise LookupError(f"no job {job_id}")
        if job.state not in ("queued", "running"):
            return False
        before = {"state": job.state}
        job.state, job.finished_at = "cancelled", utcnow()
        job.message = compose("cancelled", actor=actor)
        record(session, actor, "job.cancel", f"job:{job_id}", before, {"state": "cancelled"})
        creator = session.get(User, job.created_by)
        if creator is None or actor != f"{creator.role}:{creator.username}":
            _tell_creator(session, job, "cancelled")  # not when they cancelled it themselves
        return True


class _Heartbeat:
    """Keeps the job's heartbeat fresh while it runs and records its progress; notices when
    the job was cancelled."""

    def __init__(self, app: Flask, job_id: int, every: float) -> None:
        self.app, self.job_id, self.every = app, job_id, every
        self.progress, self.message = 0.0, ""
        self.cancelled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"job-{job_id}")

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def set(self, progress: float, message: str) -> None:
        """Record progress; raises :class:`JobCancelled` once the job is no longer running."""
        self.progress, self.message = progress, message
        self._write()
        if self.cancelled:
            raise JobCancelled(f"job {self.job_id} was cancelled")

    def _write(self) -> None:
        with self.app.app_context(), session_scope() as session:
            changed = session.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.state == "running")
                .values(heartbeat_at=utcnow(), progress=self.progress, message=self.message)
            ).rowcount  # type: ignore[attr-defined]
        self.cancelled = self.cancelled or changed == 0

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            self._write()


def run_job(job_id: int) -> str:
    """Run one claimed job to its end; its final state (``done``, ``failed`` or
    ``cancelled``)."""
    from analysis.products import build_products

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        params = dict(job.params)
    operators, tech = list(params["operators"]), str(params["tech"])
    folder = job_folder(job_id)
    shutil.rmtree(folder, ignore_errors=True)  # a resumed job starts from a clean folder
    results: list[dict[str, Any]] = []
    error: str | None = None
    with _Heartbeat(app, job_id, float(app.config["JOB_HEARTBEAT_SECONDS"])) as beat:
        try:
            codes, kabupaten, area_label = _area_filter(params["area"])
            beat.set(0.01, compose("reading"))
            frame = approved_frame(operators, codes, kabupaten)
            uploads = approved_uploads(operators, codes, kabupaten)
            inputs = _inputs(frame, operators, uploads, area_label)
            with session_scope() as session:
                session.execute(update(Job).where(Job.id == job_id).values(inputs=inputs))
            regions = _regions_of(codes, kabupaten)
            office = survey_office(job_id)
            for index, operator in enumerate(operators):
                product = f"{operator}-{tech}"

                def step(name: str, share: float, i: int = index, op: str = operator) -> None:
                    message = compose("step", operator=op, tech=tech, step=name.removesuffix("_s"))
                    beat.set((i + share) / len(operators), message)

                try:
                    report = build_products(
                        frame,
                        operator,
                        tech,
                        folder / product,
                        regions,
                        method=params["method"],
                        spacing=float(params["spacing"]),
                        progress=step,
                        source=office,  # who surveyed, on every map
                    )
                    results.append(_result(operator, tech, product, report))
                except ValueError as exc:  # e.g. no readings of this operator in the area
                    results.append({"operator": operator, "tech": tech, "error": str(exc)})
        except JobCancelled:
            shutil.rmtree(folder, ignore_errors=True)
            return "cancelled"
        except Exception as exc:  # the job fails with the reason; the worker keeps going
            log.exception("job %s failed", job_id)
            error = f"{type(exc).__name__}: {exc}"
    problems = [r["error"] for r in results if "error" in r]
    state = "done" if error is None and len(problems) < len(results) else "failed"
    if error is not None:
        message: str | None = error
    elif state == "failed":
        message = compose("no_products", problems="; ".join(problems))
    else:  # done, perhaps without the operators that had no readings in the area
        message = "; ".join(problems) or None
    with session_scope() as session:
        job = session.get(Job, job_id, with_for_update=True)
        assert job is not None
        if job.state != "running":  # cancelled during its last step
            return job.state
        job.state, job.results, job.message = state, results, message
        job.progress, job.finished_at = (1.0 if state == "done" else job.progress), utcnow()
        record(session, "system", f"job.{state}", f"job:{job_id}", None, {"message": message})
        _tell_creator(session, job, state)
    return state


def _regions_of(codes: list[str] | None, kabupaten: str | None) -> list[Any] | None:
    index = current_regions()
    if index is None:
        return None
    if codes is not None:
        wanted = set(codes)
        return [r for r in index.regions if r.code in wanted]
    if kabupaten:
        return [r for r in index.regions if r.code.startswith(f"{kabupaten}.")]
    return index.regions


def _result(operator: str, tech: str, product: str, report: dict[str, Any]) -> dict[str, Any]:
    best = next(r for r in report["cross_validation"] if r["method"] == report["method"])
    return {
        "operator": operator,
        "tech": tech,
        "product": product,
        "method": report["method"],
        "rmse_db": best["rmse_db"],
        "lodo_rmse_db": report.get("errors", {}).get("lodo_rmse_db"),
        "readings": report["inputs"]["readings"],
        "blankspots": report["blankspots"],
        "villages": report["villages"],
        "surveyed_share": report["grid"]["surveyed_share"],
    }


class JobWorker(threading.Thread):
    """Runs queued jobs one after another in this process (``serve`` and ``worker``); a
    companion thread sends the notification mails that are due at every poll, so mail does
    not wait for a long job."""

    def __init__(self, app: Flask) -> None:
        super().__init__(daemon=True, name="petasinyal-jobs")
        self.app = app
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        poll = float(self.app.config["JOB_POLL_SECONDS"])
        mail = threading.Thread(target=self._mail_loop, daemon=True, name="petasinyal-mail")
        mail.start()
        while not self.stopping.is_set():
            with self.app.app_context():
                try:
                    recover_stale_jobs()
                    job_id = claim_job()
                    if job_id is not None:
                        run_job(job_id)
                        continue
                except Exception:  # a database hiccup must not end the worker
                    log.exception("job worker: will try again")
            self.wake.wait(poll)
            self.wake.clear()
        mail.join()  # joining the worker waits for the mail thread too: no connection left open

    def _mail_loop(self) -> None:
        poll = float(self.app.config["JOB_POLL_SECONDS"])
        while True:
            self.send_mail()
            if self.stopping.wait(poll):
                return

    def send_mail(self) -> None:
        """Send the notification mails that are due; a failure waits for the next poll."""
        try:
            deliver_due(self.app)
        except Exception:  # SMTP or the database away: the worker keeps going
            log.exception("mail delivery: will try again")

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
