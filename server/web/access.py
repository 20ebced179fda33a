"""Who may open what: every view declares its roles, and a test walks every route.

``roles_required`` answers a visitor who is not logged in with a redirect to the login page
and a logged-in user of another role with 403, before the view runs. ``public`` marks the
few views anyone may open. The declared access is kept on the view (``view.access``) so
that the route-walk test can check that no route was forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import UserMixin, current_user

__all__ = ["WebUser", "operators_visible", "public", "roles_required", "safe_next"]

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class WebUser(UserMixin):
    """A snapshot of the logged-in user for one request (no database session attached)."""

    user_id: int
    username: str
    role: str
    operators: tuple[str, ...]
    language: str
    timezone: str
    session_version: int
    session_key: str = ""  # names the login session on the server (``server.web.sessions``)
    office_id: int | None = None  # admins and officers (``server.offices``)
    office_code: str = ""
    office_name: str = ""

    def get_id(self) -> str:
        # The version makes sessions issued before a password change or deactivation invalid;
        # the key names this login session, which logging out ends.
        return f"{self.user_id}.{self.session_version}.{self.session_key}"

    @property
    def actor(self) -> str:
        """How the audit log names this user."""
        return f"{self.role}:{self.username}"


def public(view: View) -> View:
    """Anyone may open this view."""
    view.access = ("public",)  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[View], View]:
    """Only logged-in users with one of ``roles`` may open this view."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def operators_visible(operators: list[str] | tuple[str, ...]) -> list[str]:
    """Of ``operators``, those the current user may see (providers: only their own)."""
    if current_user.role == "provider":
        return [op for op in operators if op in current_user.operators]
    return list(operators)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site; a link must not send the user elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target
