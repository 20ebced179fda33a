"""The notifications page: each user's own list in the page's language, the unread count in
the navigation, marking read (one, all), and nobody reaching another user's notifications."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from server.db import session_scope
from server.models import AuditEntry, Notification
from server.notify import notify
from tests.server.web import csrf_token, login, make_cast, post_form


def _notes(app: Flask, ids: dict[str, int]) -> dict[str, int]:
    """Notifications for ani (two, the older at a known time) and tsel (one); their ids."""
    with app.app_context(), session_scope() as db:
        (older,) = notify(
            db,
            [ids["ani"]],
            "upload.sent_back",
            {"upload_id": "u-1", "state": "has_issues", "comment": "GPS mati"},
            "/uploads/u-1",
        )
        older.created_at = datetime(2026, 11, 30, 3, 5, tzinfo=UTC)
        (newer,) = notify(db, [ids["ani"]], "job.finished", {"job_id": 7, "state": "done"})
        (other,) = notify(
            db,
            [ids["tsel"]],
            "release.published",
            {"release_id": 3, "title": "Rahasia"},
            "/releases/3",
        )
        return {"older": older.id, "newer": newer.id, "other": other.id}


def _badge(page: str) -> str | None:
    found = re.search(r'class="notifications">[^<]*<span class="badge">(\d+)</span>', page)
    return found.group(1) if found else None


def test_the_list_in_the_page_language_newest_first_with_the_unread_count(
    app: Flask, client: FlaskClient
) -> None:
    notes = _notes(app, make_cast(app))
    login(client, "ani")
    page = client.get("/notifications").get_data(as_text=True)
    assert _badge(page) == "2" and _badge(client.get("/uploads").get_data(as_text=True)) == "2"
    assert page.index("Tugas peta 7: selesai") < page.index("Unggahan dikembalikan: bermasalah")
    assert "Komentar peninjau: GPS mati" in page and "30 Nov 2026 10:05 WIB" in page
    assert page.count('class="badge new"') == 2 and "Rahasia" not in page
    assert f'action="/notifications/{notes["older"]}/read"' in page
    client.get("/lang/en")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Map job 7 finished: done" in page and "Upload sent back: has issues" in page
    assert "Comment of the reviewer: GPS mati" in page and "2 unread" in page


def test_marking_read_one_and_all(app: Flask, client: FlaskClient) -> None:
    ids = make_cast(app)
    notes = _notes(app, ids)
    login(client, "ani")
    answer = post_form(
        client, f"/notifications/{notes['older']}/read", {"open": "1"}, "/notifications"
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/uploads/u-1"
    answer = post_form(client, f"/notifications/{notes['older']}/read", {}, "/notifications")
    assert answer.status_code == 302 and answer.headers["Location"] == "/notifications"
    page = client.get("/notifications").get_data(as_text=True)
    assert _badge(page) == "1" and page.count('class="note unread"') == 1
    unread = client.get("/notifications?unread=1").get_data(as_text=True)
    assert "Tugas peta 7" in unread and "Unggahan dikembalikan" not in unread
    assert client.post(f"/notifications/{notes['newer']}/read").status_code == 400  # no CSRF
    assert post_form(client, "/notifications/read-all", {}, "/notifications").status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert _badge(page) is None and 'class="note unread"' not in page
    with app.app_context(), session_scope() as db:
        unread_left = db.scalars(
            select(Notification.user_id).where(Notification.read_at.is_(None))
        ).all()
        assert unread_left == [ids["tsel"]]  # read-all touched ani's only
        audit = db.execute(
            select(AuditEntry.actor, AuditEntry.target, AuditEntry.after)
            .where(AuditEntry.action == "notification.read")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in audit] == [  # the second read of the same one is no change
        ("officer:ani", f"notification:{notes['older']}", {"read": True}),
        ("officer:ani", f"user:{ids['ani']}", {"read": 1}),
    ]


def test_another_users_notification_is_not_found(app: Flask, client: FlaskClient) -> None:
    notes = _notes(app, make_cast(app))
    login(client, "ani")
    for target in (notes["other"], 999_999):
        answer = post_form(client, f"/notifications/{target}/read", {"open": "1"}, "/notifications")
        assert answer.status_code == 404
    with app.app_context(), session_scope() as db:
        assert db.get(Notification, notes["other"]).read_at is None  # type: ignore[union-attr]
    other = app.test_client()
    login(other, "tsel")
    page = other.get("/notifications").get_data(as_text=True)
    assert "Rilis baru: Rahasia" in page and "GPS mati" not in page and _badge(page) == "1"


def test_a_link_never_leads_off_the_site(app: Flask, client: FlaskClient) -> None:
    ids = make_cast(app)
    with app.app_context(), session_scope() as db:
        (note,) = notify(
            db, [ids["ani"]], "job.finished", {"job_id": 1, "state": "failed"}, "//evil.example/x"
        )
    login(client, "ani")
    answer = post_form(client, f"/notifications/{note.id}/read", {"open": "1"}, "/notifications")
    assert answer.headers["Location"] == "/notifications"


def test_every_role_has_a_list_and_pages_of_it(app: Flask) -> None:
    ids = make_cast(app)
    app.config["PAGE_SIZE"] = 2
    with app.app_context(), session_scope() as db:
        for name in ("admin", "ani", "tsel"):
            for n in range(3):
                notify(db, [ids[name]], "job.finished", {"job_id": n + 1, "state": "done"})
        db.execute(update(Notification).values(created_at=func.now()))  # one moment: ids decide
    for name in ("admin", "ani", "tsel"):
        client = app.test_client()
        login(client, name)
        client.get("/lang/en")
        first = client.get("/notifications").get_data(as_text=True)
        assert "Map job 3 finished" in first and "Map job 2 finished" in first
        assert "Map job 1 finished" not in first and "Page 1 of 2" in first
        last = client.get("/notifications?page=2").get_data(as_text=True)
        assert "Map job 1 finished" in last and _badge(last) == "3"


def test_no_count_for_visitors(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "notifications" not in page
    assert csrf_token(client)  # the login page still renders its form
