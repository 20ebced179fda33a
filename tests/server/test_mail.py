"""Notification mail against a real SMTP server (aiosmtpd) started by each test on 127.0.0.1:
the right people get the right messages in their language, retries, one send per mail
with concurrent workers, and no header of anyone's making."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from server.accounts import create_user, set_email
from server.db import session_scope
from server.jobs import cancel_job, claim_job, create_job, run_job
from server.mailer import deliver_due
from server.models import AuditEntry, MailOut, Notification, User, utcnow
from server.notify import admin_ids, notify, provider_ids
from server.review import review_upload
from tests.server.conftest import auth, enrol, reading
from tests.server.web import login, make_cast, post_form

BASE = "https://peta.example.go.id"
# username: (address, language, time zone); budi has no address
PEOPLE = {
    "admin": ("admin@dinas.example", "en", "Asia/Makassar"),
    "ani": ("ani@dinas.example", "id", "Asia/Jakarta"),
    "tsel": ("noc@tsel.example", "en", "Asia/Jakarta"),
    "xlaxiata": ("noc@xl.example", "id", "Asia/Jakarta"),
}


class _Inbox:
    """An aiosmtpd handler keeping every message with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def by_recipient(self) -> dict[str, list[EmailMessage]]:
        found: dict[str, list[EmailMessage]] = {}
        for recipients, message in self.messages:
            for to in recipients:
                found.setdefault(to, []).append(message)
        return found


def _text(message: EmailMessage) -> str:
    """The plain-text body as written (SMTP carries CRLF line ends)."""
    return str(message.get_content()).replace("\r\n", "\n")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Smtp:
    """A real SMTP server on 127.0.0.1 that the test starts and stops."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = _Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app: Flask) -> Iterator[_Smtp]:
    server = _Smtp()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, BASE_URL=BASE + "/")
    server.start()
    yield server
    server.stop()


def _people(app: Flask) -> dict[str, int]:
    """The cast, with the addresses, languages and zones of ``PEOPLE``."""
    ids = make_cast(app)
    with app.app_context():
        for name, (address, _language, _zone) in PEOPLE.items():
            set_email(ids[name], address, "test")
        with session_scope() as db:
            for name, (_address, language, zone) in PEOPLE.items():
                db.execute(
                    update(User)
                    .where(User.id == ids[name])
                    .values(language=language, timezone=zone)
                )
    return ids


def _upload(app: Flask, client: FlaskClient, officer: str) -> str:
    """One upload of one reading by ``officer``'s new phone; its id."""
    import uuid

    token = enrol(app, client, officer, http=False)
    body = {"batch_id": str(uuid.uuid4()), "measurements": [reading()]}
    answer = client.post("/api/v1/uploads", json=body, headers=auth(token))
    assert answer.status_code in (200, 201) and answer.json is not None, answer.json
    return str(answer.json["upload_id"])


def _failed_job(app: Flask, admin_id: int) -> int:
    """A job of ``admin`` that runs and fails (its campaign does not exist)."""
    with app.app_context():
        job_id = create_job(
            "admin:admin", admin_id, ["510-10"], "LTE", {"kind": "campaign", "value": "999"}
        )
        assert claim_job() == job_id
        assert run_job(job_id) == "failed"
    return job_id


def _every_kind(app: Flask, client: FlaskClient, ids: dict[str, int]) -> dict[str, Any]:
    """One notification of each kind, made the way the code makes them."""
    job_id = _failed_job(app, ids["admin"])
    upload_ani = _upload(app, client, "ani")
    upload_budi = _upload(app, client, "budi")
    with app.app_context():
        review_upload(upload_ani, "has_issues", "admin:admin", "GPS mati di Jorong Koto")
        review_upload(upload_budi, "rejected", "admin:admin", "tanggal salah")
        with session_scope() as db:  # what helpers A and C do when they publish and decide
            notify(
                db,
                provider_ids(db, ["510-10"]),
                "release.published",
                {"release_id": 4, "title": "Sumbar 2026 Q1"},
                "/releases/4",
            )
            notify(
                db,
                admin_ids(db),
                "response.created",
                {
                    "response_id": 9,
                    "village": "Koto Baru",
                    "operator": "510-11",
                    "kind": "disputed",
                },
                "/responses/9",
            )
            notify(
                db,
                provider_ids(db, ["510-11"]),
                "response.decided",
                {
                    "response_id": 9,
                    "village": "Koto Baru",
                    "decision": "rejected",
                    "reason": "uji jalan terlalu pendek",
                },
                "/responses/9",
            )
    return {"job": job_id, "upload": upload_ani}


def _mails(app: Flask) -> list[MailOut]:
    with app.app_context(), session_scope() as db:
        rows = list(db.scalars(select(MailOut).order_by(MailOut.id)))
        db.expunge_all()
    return rows


def test_the_right_people_get_the_right_mail_in_their_language(
    app: Flask, client: FlaskClient, smtp: _Smtp
) -> None:
    ids = _people(app)
    made = _every_kind(app, client, ids)
    assert deliver_due(app) == 5
    assert deliver_due(app) == 0  # each mail once
    got = smtp.inbox.by_recipient()
    # budi (no address) is notified in the pages only; tsel hears of 510-10 only
    assert sorted(got) == sorted(address for address, _l, _z in PEOPLE.values())
    with app.app_context(), session_scope() as db:
        assert db.scalar(select(func.count()).where(Notification.user_id == ids["budi"])) == 1
        assert db.scalar(select(func.count()).select_from(Notification)) == 6
    subjects = {to: sorted(str(m["Subject"]) for m in mails) for to, mails in got.items()}
    assert subjects == {
        "admin@dinas.example": [
            f"[PetaSinyal] Map job {made['job']} finished: failed",
            "[PetaSinyal] Response from XL Axiata for village Koto Baru: disputed",
        ],
        "ani@dinas.example": ["[PetaSinyal] Unggahan dikembalikan: bermasalah"],
        "noc@tsel.example": ["[PetaSinyal] New release: Sumbar 2026 Q1"],
        "noc@xl.example": ["[PetaSinyal] Tanggapan Anda untuk desa Koto Baru: ditolak"],
    }
    bodies = {to: "\n".join(_text(m) for m in mails) for to, mails in got.items()}
    ani = bodies["ani@dinas.example"]
    assert ani.startswith("Halo ani,\n") and "Komentar peninjau: GPS mati di Jorong Koto" in ani
    assert f"Buka: {BASE}/uploads/{made['upload']}" in ani and " WIB\n" in ani
    assert "Alasan: uji jalan terlalu pendek" in bodies["noc@xl.example"]
    assert f"Open: {BASE}/releases/4" in bodies["noc@tsel.example"]
    admin = bodies["admin@dinas.example"]
    assert "Decide the response" in admin and " WITA\n" in admin and " WIB" not in admin
    messages = [m for mails in got.values() for m in mails]
    assert all(m["From"] == "PetaSinyal <petasinyal@localhost>" for m in messages)


def test_the_admin_hears_of_each_job_end_in_english_and_their_zone(
    app: Flask, client: FlaskClient, smtp: _Smtp
) -> None:
    ids = _people(app)
    with app.app_context():
        create_user("rina", "rahasia-123", "admin", email="rina@dinas.example")
        failed = _failed_job(app, ids["admin"])
        queued = create_job("admin:admin", ids["admin"], ["510-10"], "LTE", {"kind": "all"})
        mine = create_job("admin:admin", ids["admin"], ["510-10"], "LTE", {"kind": "all"})
        assert cancel_job(queued, "admin:rina")  # another admin stops it: the starter hears
        assert cancel_job(mine, "admin:admin")  # stopped by the starter: nothing to tell
    assert deliver_due(app) == 2
    mails = [m for to, m in smtp.inbox.messages if to == ["admin@dinas.example"]]
    subjects = sorted(str(m["Subject"]) for m in mails)
    assert subjects == [
        f"[PetaSinyal] Map job {failed} finished: failed",
        f"[PetaSinyal] Map job {queued} finished: cancelled",
    ]
    body = _text(next(m for m in mails if "cancelled" in str(m["Subject"])))
    assert "Message: Cancelled by rina" in body and f"Open: {BASE}/jobs/{queued}" in body
    assert " WITA" in body  # the admin's zone
    assert all(to != ["rina@dinas.example"] for to, _m in smtp.inbox.messages)


def test_no_mail_without_smtp_or_an_address(app: Flask, client: FlaskClient) -> None:
    ids = _people(app)
    app.config.update(SMTP_HOST=None)
    _every_kind(app, client, ids)
    assert _mails(app) == []
    assert deliver_due(app) == 0
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port())
    with app.app_context(), session_scope() as db:
        db.execute(update(User).values(email=None))
        notify(
            db,
            admin_ids(db),
            "response.created",
            {"village": "X", "operator": "510-10", "kind": "planned"},
        )
        assert db.scalar(select(func.count()).select_from(Notification)) == 7
    assert _mails(app) == []


def test_smtp_down_is_retried_later_and_sent_once(
    app: Flask, client: FlaskClient, smtp: _Smtp
) -> None:
    ids = _people(app)
    smtp.stop()  # the port is closed: connections are refused
    upload = _upload(app, client, "ani")
    with app.app_context():
        after = review_upload(upload, "has_issues", "admin:admin", "sinyal 0 di semua titik")
    assert after["state"] == "has_issues"  # the action does not wait for mail
    retry = float(app.config["MAIL_RETRY_SECONDS"])
    for attempt in (1, 2, 3):
        assert deliver_due(app) == 0
        (mail,) = _mails(app)
        assert mail.attempts == attempt and mail.sent_at is None
        assert "ConnectionRefusedError" in (mail.last_error or "")
        wait = (mail.next_try_at - utcnow()).total_seconds()
        assert retry * 2 ** (attempt - 1) - 5 < wait <= retry * 2 ** (attempt - 1)
        assert deliver_due(app) == 0  # not due yet: not tried
        assert _mails(app)[0].attempts == attempt
        _make_due(app)
    smtp.start()
    assert deliver_due(app) == 1
    assert deliver_due(app) == 0
    (mail,) = _mails(app)
    assert mail.sent_at is not None and mail.last_error is None and mail.attempts == 4
    assert [to for to, _m in smtp.inbox.messages] == [["ani@dinas.example"]]
    assert ids  # the cast exists


def _make_due(app: Flask) -> None:
    """Time passes: every waiting mail is due."""
    with app.app_context(), session_scope() as db:
        db.execute(update(MailOut).values(next_try_at=utcnow() - timedelta(seconds=1)))


def test_a_mail_is_given_up_after_the_last_attempt(
    app: Flask, client: FlaskClient, smtp: _Smtp
) -> None:
    _people(app)
    smtp.stop()
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    with app.app_context(), session_scope() as db:
        notify(db, admin_ids(db), "release.published", {"release_id": 1, "title": "Q1"})
    for _ in range(2):
        assert deliver_due(app) == 0
        _make_due(app)
    smtp.start()
    assert deliver_due(app) == 0  # given up: the notification stays in the pages
    (mail,) = _mails(app)
    assert mail.attempts == 2 and mail.sent_at is None and smtp.inbox.messages == []
    with app.app_context(), session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Notification)) == 1


def test_two_workers_at_once_send_each_mail_once(app: Flask, smtp: _Smtp) -> None:
    ids = _people(app)
    with app.app_context(), session_scope() as db:
        for n in range(24):
            notify(
                db,
                [ids["admin"], ids["tsel"]],
                "release.published",
                {"release_id": n, "title": f"R{n}"},
            )
    start = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        start.wait()
        while count := deliver_due(app, limit=5):
            sent.append(count)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 48
    ids_seen = [str(m["Message-ID"]) for _to, m in smtp.inbox.messages]
    assert len(ids_seen) == 48 and len(set(ids_seen)) == 48
    assert all(m.attempts == 1 and m.sent_at for m in _mails(app))


@pytest.mark.parametrize(
    "address",
    [
        "ani@dinas.example\r\nBcc: spy@evil.example",
        "ani@dinas.example\nBcc: spy@evil.example",
        "Ani <ani@dinas.example>",
        "ani@dinas.example, spy@evil.example",
        "ani @dinas.example",
        "ani@@dinas.example",
        "ani",
        "@dinas.example",
        "ani@",
        "ani@dinas.example\x00",
    ],
)
def test_addresses_that_could_add_headers_are_refused(app: Flask, address: str) -> None:
    with app.app_context():
        with pytest.raises(ValueError, match="plain e-mail address"):
            create_user("eko", "rahasia-123", "officer", email=address)
        user_id = create_user("eko", "rahasia-123", "officer", email=" eko@dinas.example ")
        with pytest.raises(ValueError, match="plain e-mail address"):
            set_email(user_id, address, "test")
        with session_scope() as db:
            assert db.get(User, user_id).email == "eko@dinas.example"  # type: ignore[union-attr]


def test_no_header_gets_into_a_mail(app: Flask, smtp: _Smtp) -> None:
    ids = _people(app)
    with app.app_context(), session_scope() as db:
        title = "Q1\r\nBcc: spy@evil.example\r\nX-Evil: 1"
        notify(db, [ids["tsel"]], "release.published", {"release_id": 1, "title": title})
        # a row written past the checks (an old database, a hand edit) is refused when sent
        db.add(MailOut(to_addr="noc@tsel.example\r\nBcc: spy@evil.example", subject="x", body="x"))
        db.add(MailOut(to_addr="noc@tsel.example", subject="x\r\nBcc: spy@evil.example", body="x"))
    assert deliver_due(app) == 1
    ((recipients, message),) = smtp.inbox.messages
    assert recipients == ["noc@tsel.example"]
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert str(message["Subject"]) == "[PetaSinyal] New release: Q1 Bcc: spy@evil.example X-Evil: 1"
    refused = [m for m in _mails(app) if m.sent_at is None]
    assert len(refused) == 2 and all("ValueError" in (m.last_error or "") for m in refused)


def test_email_in_the_pages_and_the_cli(
    app: Flask,
    client: FlaskClient,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from analysis.cli import main

    make_cast(app)
    login(client, "admin")
    page = post_form(
        client,
        "/users",
        {
            "username": "eko",
            "role": "officer",
            "password": "rahasia-123",
            "email": "eko@dinas.example",
        },
        page="/users",
    )
    assert page.status_code == 302
    assert "eko@dinas.example" in client.get("/users").get_data(as_text=True)
    page = post_form(
        client,
        "/users",
        {
            "username": "fitri",
            "role": "officer",
            "password": "rahasia-123",
            "email": "f@x.example\nBcc: y@z",
        },
        page="/users",
    )
    assert page.status_code == 200 and "alamat surel biasa" in page.get_data(as_text=True)

    client = app.test_client()
    login(client, "ani")
    bad = post_form(client, "/account", {"mail-email": "ani@x.example\r\nBcc: y@z"})
    assert bad.status_code == 200 and "alamat surel biasa" in bad.get_data(as_text=True)
    assert post_form(client, "/account", {"mail-email": "ani@dinas.example"}).status_code == 302
    assert 'value="ani@dinas.example"' in client.get("/account").get_data(as_text=True)
    assert post_form(client, "/account", {"mail-email": ""}).status_code == 302
    with app.app_context(), session_scope() as db:
        assert db.scalar(select(User.email).where(User.username == "ani")) is None
        changes = db.scalars(
            select(AuditEntry.after).where(AuditEntry.action == "user.email")
        ).all()
        assert changes == [{"email": "ani@dinas.example"}, {"email": None}]

    monkeypatch.setenv("PETASINYAL_PASSWORD", "rahasia-123")
    assert (
        main(
            [
                "create-user",
                "gita",
                "--role",
                "admin",
                "--email",
                "gita@dinas.example",
                "--db",
                db_url,
            ]
        )
        == 0
    )
    assert (
        main(["create-user", "hadi", "--role", "admin", "--email", "h@x\nBcc: y@z", "--db", db_url])
        == 2
    )
    assert "plain e-mail address" in capsys.readouterr().err
    with app.app_context(), session_scope() as db:
        emails = dict(db.execute(select(User.username, User.email)).all())
    assert emails["gita"] == "gita@dinas.example" and "hadi" not in emails


def test_the_worker_sends_mail_at_each_poll_and_outlives_failures(
    app: Flask, smtp: _Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    import server.jobs
    from server.jobs import JobWorker
    from tests.server.live import wait_until

    ids = _people(app)
    app.config["JOB_POLL_SECONDS"] = 0.05
    calls: list[int] = []

    def flaky(target: Flask) -> int:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("the database went away")
        return deliver_due(target)

    monkeypatch.setattr(server.jobs, "deliver_due", flaky)
    worker = JobWorker(app)
    worker.start()
    try:
        with app.app_context(), session_scope() as db:
            notify(db, [ids["admin"]], "release.published", {"release_id": 1, "title": "Q1"})
        wait_until(lambda: len(smtp.inbox.messages) == 1, timeout=30)
        assert worker.is_alive() and len(calls) >= 3
    finally:
        worker.stop()
        worker.join(timeout=30)
    assert [to for to, _m in smtp.inbox.messages] == [["admin@dinas.example"]]


def test_mail_goes_out_while_a_long_job_runs(
    app: Flask, smtp: _Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A province job runs for many minutes: its worker's mail must not wait for it."""
    import server.jobs
    from server.jobs import JobWorker
    from tests.server.live import wait_until

    ids = _people(app)
    app.config["JOB_POLL_SECONDS"] = 0.05
    running, release = threading.Event(), threading.Event()

    def long_job(job_id: int) -> str:
        running.set()
        release.wait(60)
        return "done"

    monkeypatch.setattr(server.jobs, "claim_job", lambda: 1)
    monkeypatch.setattr(server.jobs, "run_job", long_job)
    worker = JobWorker(app)
    worker.start()
    try:
        assert running.wait(30)
        with app.app_context(), session_scope() as db:
            notify(db, [ids["admin"]], "release.published", {"release_id": 1, "title": "Q1"})
        wait_until(lambda: len(smtp.inbox.messages) == 1, timeout=30)
        assert not release.is_set()  # the job is still running
    finally:
        release.set()
        worker.stop()
        worker.join(timeout=30)


def test_a_village_named_desa_is_not_called_desa_twice(app: Flask) -> None:
    from flask_babel import force_locale

    from server.mailer import describe

    params = {"operator": "510-11", "village": "Desa Simulasi 001 (SIMULASI.001)"}
    with app.test_request_context(), force_locale("id"):
        said = describe("response.created", {**params, "kind": "disputed"})
        assert "untuk desa Simulasi 001 (SIMULASI.001)" in said and "Desa Desa" not in said
        decided = describe("response.decided", {"village": "Nagari Koto Baru", "decision": "x"})
        assert "untuk desa Koto Baru:" in decided
        plain = describe("response.decided", {"village": "Koto Baru", "decision": "x"})
        assert "untuk desa Koto Baru:" in plain
