"""Notifications: who should hear of what. ``notify`` adds rows in the caller's transaction
(so a notification exists only if the change it tells of does); the pages list them. When
SMTP is configured, a mail for each user with an address is added in the same transaction
(``server.mailer.queue_mails``) and the worker sends it later: a mail never fails the action.

Kinds and their ``params``:

- ``release.published``: ``release_id``, ``title`` (to the providers of its operators)
- ``response.created``: ``response_id``, ``village``, ``operator``, ``kind`` (to admins)
- ``response.decided``: ``response_id``, ``village``, ``decision``, ``reason`` (to the
  provider users of the response's operator)
- ``upload.sent_back``: ``upload_id``, ``state``, ``comment`` (to the officer)
- ``job.finished``: ``job_id``, ``state`` (``done``, ``failed`` or ``cancelled``), ``message``
  (to the admin who started it)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.mailer import queue_mails
from server.models import Notification, User

__all__ = ["KINDS", "admin_ids", "notify", "provider_ids"]

KINDS = (
    "release.published",
    "response.created",
    "response.decided",
    "upload.sent_back",
    "job.finished",
)


def notify(
    session: Session,
    user_ids: Iterable[int],
    kind: str,
    params: dict[str, Any],
    link: str | None = None,
) -> list[Notification]:
    """One notification per user (each once), added to ``session`` and flushed, with its
    mail when SMTP is configured and the user has an address."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    made = [
        Notification(user_id=uid, kind=kind, params=dict(params), link=link)
        for uid in dict.fromkeys(user_ids)
    ]
    session.add_all(made)
    session.flush()
    queue_mails(session, made)
    return made


def admin_ids(session: Session, village_code: str | None = None) -> list[int]:
    """Active admins; with ``village_code``, those of the offices whose region holds it (the
    province's and the village's kabupaten/kota office)."""
    query = select(User.id).where(User.role == "admin", User.active)
    if village_code is not None:
        from server.offices import offices_covering

        query = query.where(User.office_id.in_(offices_covering(session, village_code)))
    return list(session.scalars(query))


def provider_ids(session: Session, operators: Iterable[str]) -> list[int]:
    """Active provider users of any of ``operators`` (MCC-MNC)."""
    wanted = set(operators)
    rows = session.execute(
        select(User.id, User.operators).where(User.role == "provider", User.active)
    ).all()
    return [uid for uid, ops in rows if wanted & set(ops or [])]
