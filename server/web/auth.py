"""Login, logout, the user's own account (password, language, time zone, e-mail)."""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from server.accounts import set_email
from server.audit import record
from server.db import session_scope
from server.extensions import limiter
from server.models import User
from server.security import check_password, hash_password
from server.web import LANGUAGES
from server.web.access import public, roles_required, safe_next
from server.web.forms import AccountForm, ActionForm, EmailForm, LoginForm, PasswordForm
from server.web.sessions import end_session, start_session, web_user

__all__ = ["bp", "home_for"]

bp = Blueprint("auth", __name__)


@cache
def _dummy_hash() -> str:
    """Compared against when the user does not exist, so that a wrong username and a wrong
    password take the same time (made on first use, not at import)."""
    return hash_password(secrets.token_urlsafe(16))


def home_for(role: str) -> str:
    return url_for("provider.portal") if role == "provider" else url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: str(current_app.config["RATELIMIT_LOGIN"]), methods=["POST"])
def login() -> Any:
    """The login page."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    form = LoginForm()
    if form.validate_on_submit():
        with session_scope() as db:
            user = db.scalars(select(User).where(User.username == form.username.data)).first()
            valid = check_password(
                user.password_hash if user else _dummy_hash(), form.password.data
            )
            if user is not None and valid and user.active:
                if session.pop("lang_chosen", False):  # picked on the login page: keep it
                    user.language = session["lang"]
                session["lang"] = user.language
                login_user(start_session(db, user))
                record(
                    db, f"{user.role}:{user.username}", "user.login", f"user:{user.id}", None, None
                )
                return redirect(safe_next(request.args.get("next")) or home_for(user.role))
            # failed attempts are kept too: someone guessing passwords shows in the log
            record(
                db,
                "anonymous",
                "user.login_failed",
                f"user:{user.id if user else '?'}",
                None,
                {"username": str(form.username.data)[:64], "ip": request.remote_addr},
            )
        flash(_("Wrong username or password, or the account is disabled."), "error")
    return render_template("login.html", form=form)


@bp.post("/logout")
@roles_required("admin", "officer", "provider")
def logout() -> Response:
    """End the session, on the server too: a copy of the cookie stops working."""
    if ActionForm().validate_on_submit():
        end_session(current_user.session_key)
        logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
@public
def language(code: str) -> Response:
    """Switch the language of the pages (saved in the account when logged in)."""
    if code in LANGUAGES:
        session["lang"] = code
        session["lang_chosen"] = not current_user.is_authenticated
        if current_user.is_authenticated:
            with session_scope() as db:
                user = db.get(User, current_user.user_id)
                if user is not None:
                    user.language = code
    return redirect(safe_next(request.args.get("next")) or url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@roles_required("admin", "officer", "provider")
def account() -> Any:
    """Change password, language, time zone and the address notifications are mailed to."""
    password = PasswordForm(prefix="pw")
    prefs = AccountForm(
        prefix="pref", language=current_user.language, timezone=current_user.timezone
    )
    with session_scope() as db:
        email = db.scalar(select(User.email).where(User.id == current_user.user_id))
    mail = EmailForm(prefix="mail", email=email)

    def page() -> str:
        return render_template("account.html", password=password, prefs=prefs, mail=mail)

    if request.method == "POST" and "mail-email" in request.form:
        if not mail.validate():
            return page()
        set_email(current_user.user_id, mail.email.data, current_user.actor)
        flash(_("Saved.") if mail.email.data else _("No mail will be sent to you."), "ok")
        return redirect(url_for("auth.account"))
    if request.method == "POST" and "pw-new" in request.form and password.validate():
        with session_scope() as db:
            user = db.get(User, current_user.user_id)
            assert user is not None
            if not check_password(user.password_hash, password.current.data):
                flash(_("The current password is wrong."), "error")
                return page()
            user.password_hash = hash_password(password.new.data)
            user.session_version = (user.session_version or 0) + 1
            record(db, current_user.actor, "user.password", f"user:{user.id}", None, None)
            login_user(web_user(user, current_user.session_key))  # this one stays, others end
        flash(_("Password changed. Other sessions have been logged out."), "ok")
        return redirect(url_for("auth.account"))
    if request.method == "POST" and "pref-language" in request.form and prefs.validate():
        with session_scope() as db:
            user = db.get(User, current_user.user_id)
            assert user is not None
            user.language, user.timezone = prefs.language.data, prefs.timezone.data
            session["lang"] = user.language
            login_user(web_user(user, current_user.session_key))
        flash(_("Saved."), "ok")
        return redirect(url_for("auth.account"))
    return page()
