"""Exactly-once against live servers: concurrent clients with overlaps, and a server killed
with SIGKILL in the middle of an upload."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select

from server.models import Measurement
from tests.server.conftest import enrol, reading
from tests.server.live import ServerProcess, post_batch, thread_server


def count(db_url: str) -> tuple[int, int]:
    """Stored readings and distinct ids, straight from the database."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(Measurement))
            distinct = conn.scalar(select(func.count(func.distinct(Measurement.id))))
        return int(total or 0), int(distinct or 0)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_twenty_concurrent_clients_with_overlaps_store_each_reading_once(
    app: Flask, client: FlaskClient, db_url: str
) -> None:
    shared = [reading() for _ in range(1_000)]  # every client also sends these
    tokens = [enrol(app, client, f"petugas{n % 4}", http=False) for n in range(20)]
    batches = [[*shared, *(reading() for _ in range(4_000))] for _ in range(20)]
    with thread_server(app) as url:

        def run(n: int) -> list[dict]:
            batch_id = str(uuid.uuid4())
            first = post_batch(url, tokens[n], batch_id, batches[n])
            retry = post_batch(url, tokens[n], batch_id, batches[n])  # a lost answer
            return [first, retry]

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(run, range(20)))
    accepted = sum(first["counts"]["accepted"] for first, _ in answers)
    assert accepted == 20 * 4_000 + 1_000
    for first, retry in answers:
        assert first["counts"]["accepted"] + first["counts"]["duplicates"] == 5_000
        assert retry["counts"] == {"accepted": 0, "duplicates": 5_000, "rejected": 0, "flagged": 0}
    assert count(db_url) == (81_000, 81_000)


@pytest.mark.slow
def test_server_killed_mid_upload_loses_nothing_and_duplicates_nothing(
    app: Flask, client: FlaskClient, db_url: str, tmp_path: Path
) -> None:
    token = enrol(app, client)
    batches = [(str(uuid.uuid4()), [reading() for _ in range(5_000)]) for _ in range(4)]
    server = ServerProcess(db_url, tmp_path)
    try:
        server.start()
    except TimeoutError:
        server.stop()
        raise
    sending = [threading.Event() for _ in batches]
    answers: list[dict] = []

    def phone() -> None:
        for (batch_id, items), event in zip(batches, sending, strict=True):
            answers.append(post_batch(server.url, token, batch_id, items, on_send=event))

    worker = threading.Thread(target=phone)
    worker.start()
    try:
        assert sending[1].wait(timeout=120)  # the second batch is on its way
        server.kill()
        server.start()  # same database, same port; the phone retries
        worker.join(timeout=300)
        assert not worker.is_alive()
    finally:
        server.stop()
    assert len(answers) == 4
    assert answers[1]["attempts"] > 1  # the kill really cut that upload off
    for answer in answers:
        assert answer["counts"]["accepted"] + answer["counts"]["duplicates"] == 5_000
    assert count(db_url) == (20_000, 20_000)
