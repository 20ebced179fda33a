"""End to end: a phone replays a real trace, syncs over an unreliable link, an admin approves
through the server, and the products are built from exactly the readings recorded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.products import build_products
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.recorder import Recorder, RecordRefused
from mobile.petasinyal_app.sensors.replay import ReplayCellular, ReplayLocation, Trace
from mobile.petasinyal_app.sync import SyncClient
from server import create_app
from server.accounts import create_user, issue_enrol_code
from server.migrate import upgrade
from server.review import approved_frame, review_upload
from tests.mobile.proxy import flaky_proxy
from tests.server.live import thread_server


def test_trace_to_products(ottawa_files: list[Path], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    upgrade(url)
    server = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "e2e", "REGION_BBOX": (-180, -90, 180, 90)}
    )
    with server.app_context():
        create_user("ani", "rahasia-123", "officer")
        code = issue_enrol_code("ani", 30)[0]

    # the phone: replay two real walks, one reading per fix, every reading kept on the phone
    outbox = Outbox(tmp_path / "phone.sqlite3")
    recorder = Recorder(outbox, "hp-ani", "walk")
    recorded: list[str] = []
    refused = 0
    for path in ottawa_files[:2]:
        trace = Trace(path, speed=1.0)
        location, radio = ReplayLocation(trace), ReplayCellular(trace)
        location.start()
        for row in trace.rows:
            elapsed = row["_t"] - trace.start_t
            location.advance(elapsed, row["_t"])
            try:
                recorded += [
                    m.id
                    for m in recorder.record(
                        location.last_fix, radio.read(), row["_t"], "walking"
                    ).stored
                ]
            except RecordRefused:
                refused += 1  # GPS worse than 50 m: the phone does not record there
    assert len(recorded) == len(set(recorded)) > 200 and refused > 0

    with thread_server(server) as base:
        port = int(base.rsplit(":", 1)[1])
        SyncClient(base, outbox).enroll(code, "hp ani")
        with flaky_proxy(port, drop_first=2, cut_after=1_500) as (proxy, stats):
            report = SyncClient(proxy, outbox, batch_size=100, base_delay=0.01).sync()
    assert stats["dropped"] == 2 and report.accepted == len(recorded)
    assert outbox.counts() == {"pending": 0, "synced": len(recorded), "rejected": 0}

    with server.app_context():  # the admin approves every upload through the server
        uploads = [u["upload_id"] for u in outbox.uploads()]
        for upload_id in uploads:
            review_upload(upload_id, "approved", "admin:1")
        approved = approved_frame(["302-720"])
    server.extensions["petasinyal.engine"].dispose()
    assert sorted(approved["id"]) == sorted(recorded)

    report = build_products(
        approved,
        "302-720",
        "LTE",
        tmp_path / "products",
        method="idw",
        spacing=50.0,
        executor="serial",
    )
    assert report["inputs"]["readings"] == len(recorded)
    used = pd.read_csv(tmp_path / "products" / "measurements.csv", dtype=str)
    assert sorted(used["id"]) == sorted(recorded)
