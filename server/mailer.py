"""Mail of notifications: their words in the user's language, and delivery by the worker.

``queue_mails`` (called by ``server.notify.notify``) adds a ``MailOut`` row per notification
of a user with an address, in the same transaction, rendered in that user's language and time
zone. ``deliver_due`` (called by the job worker at every poll) claims the due mails with a
conditional update, so two workers never send one mail twice, sends them over SMTP and
records the outcome; a failed mail is tried again after ``MAIL_RETRY_SECONDS``, doubled after
every failure, and given up after ``MAIL_MAX_ATTEMPTS`` (the notification stays in the pages).
Nothing here runs inside the action that made the notification, so a mail never fails it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime as mail_date
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.accounts import check_email
from server.db import session_scope
from server.job_messages import shown
from server.models import MailOut, Notification, User, utcnow
from server.operators import operator_label, operator_name
from server.web.labels import ZONE_LABELS, state_label, village_name_only

__all__ = ["deliver_due", "describe", "details", "queue_mails", "render"]

log = logging.getLogger(__name__)
LANGUAGES = ("id", "en")
_MAX_DELAY = timedelta(days=7)


def _p(params: dict[str, Any], key: str) -> str:
    value = params.get(key)
    return "" if value is None else " ".join(str(value).split())


def _word(value: str) -> str:
    """A stored value (decision, response kind, job end) in the current language."""
    return {
        "accepted": _("accepted"),
        "rejected": _("rejected"),
        "acknowledged": _("acknowledged"),
        "planned": _("planned"),
        "disputed": _("disputed"),
        "resolved": _("resolved"),
        "done": _("done"),
        "failed": _("failed"),
        "cancelled": _("cancelled"),
    }.get(value, value)


def describe(kind: str, params: dict[str, Any]) -> str:
    """One line telling what happened, in the current language (the mail's subject)."""
    p = params
    if kind == "release.published":
        return _("New release: %(title)s", title=_p(p, "title"))
    if kind == "response.created":
        return _(
            "Response from %(operator)s for village %(village)s: %(kind)s",
            operator=operator_name(_p(p, "operator")),  # the code is in the details
            village=village_name_only(_p(p, "village")),  # the sentence says "desa"
            kind=_word(_p(p, "kind")),
        )
    if kind == "response.decided":
        return _(
            "Your response for village %(village)s: %(decision)s",
            village=village_name_only(_p(p, "village")),  # the sentence says "desa"
            decision=_word(_p(p, "decision")),
        )
    if kind == "upload.sent_back":
        return _("Upload sent back: %(state)s", state=state_label(_p(p, "state")))
    if kind == "job.finished":
        return _(
            "Map job %(id)s finished: %(state)s", id=_p(p, "job_id"), state=_word(_p(p, "state"))
        )
    return kind


def details(kind: str, params: dict[str, Any]) -> list[str]:
    """The lines that say more (comment, reason, what to do), in the current language."""
    p = params
    if kind == "release.published":
        return [
            _(
                "Release %(id)s has been published: its maps, village verdicts and files are "
                "ready. You can answer each blankspot village with a response.",
                id=_p(p, "release_id"),
            )
        ]
    if kind == "response.created":
        return [
            _(
                "Operator %(operator)s answered the verdict of village %(village)s. Decide the "
                "response: accept it, or reject it with a reason.",
                operator=operator_label(_p(p, "operator")),
                village=village_name_only(_p(p, "village")),  # the sentence says "desa"
            )
        ]
    if kind == "response.decided":
        lines = [_("Response %(id)s has been decided.", id=_p(p, "response_id"))]
        if _p(p, "reason"):
            lines.append(_("Reason: %(reason)s", reason=_p(p, "reason")))
        return lines
    if kind == "upload.sent_back":
        return [
            _("Upload %(id)s was reviewed and sent back.", id=_p(p, "upload_id")),
            _("Comment of the reviewer: %(comment)s", comment=_p(p, "comment")),
            _("The phone app shows this comment too."),
        ]
    if kind == "job.finished":
        message = shown(_p(p, "message"))  # stored in English, told in the reader's language
        lines = [_("Message: %(message)s", message=message)] if message else []
        if _p(p, "state") == "done":
            lines.append(_("The products of this job are drafts until an admin publishes them."))
        return lines
    return []


def _zone(name: str | None) -> str:
    try:
        ZoneInfo(name or "")
    except (ValueError, KeyError, OSError):  # empty, unknown or unreadable zone
        return "Asia/Jakarta"
    return str(name)


def _time(value: datetime, language: str, zone: str) -> str:
    shown = format_datetime(value, "d MMM y HH:mm", tzinfo=ZoneInfo(zone), locale=language)
    return f"{shown} {ZONE_LABELS.get(zone, zone)}"


def render(
    kind: str,
    params: dict[str, Any],
    language: str,
    *,
    link: str | None = None,
    created_at: datetime | None = None,
    timezone: str = "Asia/Jakarta",
    name: str | None = None,
) -> tuple[str, str]:
    """The subject and plain-text body of a notification's mail in ``language`` (``id`` or
    ``en``); times in ``timezone``; ``link`` is a full URL (or none)."""
    language = language if language in LANGUAGES else "id"
    with force_locale(language):
        subject = " ".join(describe(kind, params).split())[:200]
        lines = [_("Hello %(name)s,", name=name), ""] if name else []
        lines += [subject, "", *details(kind, params)]
        if created_at is not None:
            when = _time(created_at, language, _zone(timezone))
            lines += ["", _("Time: %(when)s", when=when)]
        if link:
            lines.append(_("Open: %(link)s", link=link))
        lines += [
            "",
            "-- ",
            _(
                "PetaSinyal sends this mail to the address of your account; every "
                "notification is also listed on the Notifications page."
            ),
        ]
    return f"[PetaSinyal] {subject}", "\n".join(lines) + "\n"


def queue_mails(session: Session, notifications: Iterable[Notification]) -> int:
    """Add a mail for each notification whose user has an address, when SMTP is set up;
    how many (in ``session``'s transaction)."""
    config = current_app.config
    items = list(notifications)
    if not config.get("SMTP_HOST") or not items:
        return 0
    ids = {n.user_id for n in items}
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_(ids), User.active, User.email.is_not(None))
        )
    }
    base = str(config.get("BASE_URL") or "").rstrip("/")
    queued = 0
    for item in items:
        user = users.get(item.user_id)
        try:
            address = check_email(user.email if user else None)
        except ValueError:
            log.warning("user %s has an unusable mail address; not mailed", item.user_id)
            continue
        if user is None or address is None:
            continue
        try:
            subject, body = render(
                item.kind,
                item.params or {},
                user.language or "id",
                link=f"{base}{item.link}" if base and item.link else None,
                created_at=item.created_at or utcnow(),
                timezone=user.timezone or "Asia/Jakarta",
                name=user.username,
            )
        except Exception:  # a mail that cannot be written must not undo the action
            log.exception("notification %s: mail not written", item.id)
            continue
        session.add(MailOut(notification_id=item.id, to_addr=address, subject=subject, body=body))
        queued += 1
    return queued


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _claim(config: Any, limit: int) -> list[MailOut]:
    """Take up to ``limit`` due mails for this worker: each is claimed with a conditional
    update of its attempt count, which also sets when it may be tried again."""
    now = utcnow()
    retry = float(config["MAIL_RETRY_SECONDS"])
    with session_scope() as session:
        due = session.execute(
            select(MailOut.id, MailOut.attempts)
            .where(
                MailOut.sent_at.is_(None),
                MailOut.next_try_at <= now,
                MailOut.attempts < int(config["MAIL_MAX_ATTEMPTS"]),
            )
            .order_by(MailOut.next_try_at, MailOut.id)
            .limit(limit)
        ).all()
        taken = []
        for mail_id, attempts in due:
            delay = min(timedelta(seconds=retry * 2 ** min(attempts, 30)), _MAX_DELAY)
            won = session.execute(
                update(MailOut)
                .where(
                    MailOut.id == mail_id,
                    MailOut.attempts == attempts,
                    MailOut.sent_at.is_(None),
                )
                .values(attempts=attempts + 1, next_try_at=now + delay)
            ).rowcount  # type: ignore[attr-defined]
            if won == 1:
                taken.append(mail_id)
        mails = list(session.scalars(select(MailOut).where(MailOut.id.in_(taken))))
        session.expunge_all()
    return sorted(mails, key=lambda m: m.id)


def _connect(config: Any) -> smtplib.SMTP:
    host, port = str(config["SMTP_HOST"]), int(config["SMTP_PORT"])
    timeout = float(config["SMTP_TIMEOUT"])
    smtp: smtplib.SMTP
    if _flag(config.get("SMTP_SSL")):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if _flag(config.get("SMTP_STARTTLS")) and not _flag(config.get("SMTP_SSL")):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            smtp.login(str(config["SMTP_USER"]), str(config.get("SMTP_PASSWORD") or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def _message(config: Any, mail: MailOut) -> EmailMessage:
    """The mail as a message; a header with a line break or an unusable address is refused
    (ValueError), so nothing can add headers of its own."""
    to = check_email(mail.to_addr)
    if to is None:
        raise ValueError("no address")
    sender = str(config["MAIL_FROM"])
    domain = parseaddr(sender)[1].rpartition("@")[2] or "petasinyal.localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = mail.subject
    message["Date"] = mail_date(utcnow())
    # the same id on every try, so a mail delivered twice after a crash is seen as one
    message["Message-ID"] = f"<mail-{mail.id}.{mail.created_at:%Y%m%d%H%M%S}@{domain}>"
    message.set_content(mail.body)
    return message


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _send(config: Any, mails: list[MailOut]) -> dict[int, str | None]:
    """Send ``mails`` over one connection; the error of each (``None``: sent)."""
    outcome: dict[int, str | None] = {}
    messages: dict[int, EmailMessage] = {}
    for mail in mails:
        try:
            messages[mail.id] = _message(config, mail)
        except ValueError as exc:
            outcome[mail.id] = _error(exc)
    if not messages:
        return outcome
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        return outcome | dict.fromkeys(messages, _error(exc))
    try:
        for mail_id, message in messages.items():
            try:
                smtp.send_message(message, to_addrs=[str(message["To"])])
                outcome[mail_id] = None
            except (OSError, smtplib.SMTPException) as exc:
                outcome[mail_id] = _error(exc)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return outcome


def deliver_due(app: Flask, limit: int = 50) -> int:
    """Send the mails that are due (up to ``limit``); how many went out. Does nothing while
    SMTP_HOST is unset."""
    with app.app_context():
        config = app.config
        if not config.get("SMTP_HOST"):
            return 0
        mails = _claim(config, limit)
        if not mails:
            return 0
        outcome = _send(config, mails)
        now, most = utcnow(), int(config["MAIL_MAX_ATTEMPTS"])
        with session_scope() as session:
            for mail in mails:
                error = outcome.get(mail.id, "not sent")
                values: dict[str, Any] = (
                    {"sent_at": now, "last_error": None} if error is None else {"last_error": error}
                )
                session.execute(update(MailOut).where(MailOut.id == mail.id).values(**values))
                if error is not None:
                    gave_up = " (given up)" if mail.attempts >= most else ""
                    log.warning("mail %s to %s failed%s: %s", mail.id, mail.to_addr, gave_up, error)
    return sum(1 for error in outcome.values() if error is None)
