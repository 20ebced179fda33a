"""The audit log: every review, user change, enrolment, revocation, job and download."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.models import AuditEntry

__all__ = ["record"]


def record(
    session: Session,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Append an entry in the caller's transaction (it is stored only if the change is)."""
    session.add(AuditEntry(actor=actor, action=action, target=target, before=before, after=after))
