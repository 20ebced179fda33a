"""The web interface for people: server-rendered pages in Bahasa Indonesia and English.

``init_web`` wires Flask-Login (sessions), Flask-WTF (CSRF on every form), Flask-Babel
(language and time zone) and the page blueprints into an app.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import Babel, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

import analysis
from server.errors import error_page
from server.operators import init_operators
from server.web.compression import init_compression
from server.web.form_words import init_form_words
from server.web.labels import (
    LABELS,
    area_label,
    job_state,
    role_label,
    state_label,
    verdict_label,
    zone_label,
)
from server.web.sessions import load_user, web_user
from server.web.static_versions import init_static_versions

__all__ = ["LANGUAGES", "init_web", "web_user", "when"]

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def _locale() -> str:
    if not has_request_context() or request.path.startswith("/api/"):
        return "en"  # the command line, the job worker and the API speak English
    if current_user and current_user.is_authenticated:
        return str(current_user.language)
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "id"


def _timezone() -> str:
    if current_user and current_user.is_authenticated:
        return str(current_user.timezone)
    return "Asia/Jakarta"


def when(value: datetime | None, date_only: bool = False) -> str:
    """A stored UTC time in the user's zone and language, e.g. ``30 Nov 2026 04.00 WIB``."""
    if value is None:
        return "\N{EN DASH}"
    if date_only:
        return format_datetime(value, "d MMM y")
    return f"{format_datetime(value, 'd MMM y HH:mm')} {zone_label()}"


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "\N{EN DASH}"
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern)


def _security_headers(response: Response) -> Response:
    hsts = int(current_app.config["HSTS_SECONDS"])
    if current_app.config["SESSION_COOKIE_SECURE"] and hsts > 0:
        # cookies travel only over HTTPS: browsers are told to come back only over HTTPS
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html" and not g.get("product_file"):
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src 'self' data:{_tile_source()}; "
            "style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'self'; form-action 'self'",
        )
    return response


def _tile_source() -> str:
    """The tile server the admin set (``BASEMAP_TILES``) as a CSP image source, or nothing:
    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` allows ``https://*.tile.example.org``."""
    template = current_app.config.get("BASEMAP_TILES") or ""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = re.sub(r"^\{[a-z]\}\.", "*.", parts.netloc)
    if not re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+(:\d+)?", host):
        return ""
    return f" {parts.scheme}://{host}"


def _refuse_nul() -> None:
    """No page takes a NUL character (PostgreSQL cannot store one, no file name has one):
    a path, query or form with one is a bad request, answered before any view runs."""
    if request.path.startswith("/api/"):
        return  # the API answers in its own JSON shape
    texts = [request.path]
    for values in (request.args, request.form):
        texts += [text for pair in values.items(multi=True) for text in pair]
    if any("\x00" in text for text in texts):
        abort(400)


def init_web(app: Flask) -> None:
    """Add the pages, sessions, CSRF protection and translations to ``app``."""
    from server.web import (
        admin,
        auditlog,
        auth,
        basemap_files,
        changes,
        dashboard,
        jobs,
        notifications,
        priorities,
        provider,
        releases,
        responses,
        review,
        villages,
    )

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.user_loader(load_user)
    babel.init_app(app, locale_selector=_locale, timezone_selector=_timezone)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["num"] = _number
    init_operators(app)
    init_compression(app)
    app.jinja_env.globals.update(LABELS)
    init_form_words()
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        state_label=state_label,
        job_state=job_state,
        area_label=area_label,
        role_label=role_label,
        verdict_label=verdict_label,
        zone_label=zone_label,
        get_locale=get_locale,
    )
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)

    # Leaflet, shared with the products' web map; found by path, because importing
    # analysis.export would load the whole coverage engine (1.4 s) into every web worker
    vendor = Path(analysis.__file__).parent / "export" / "static" / "vendor"
    app.register_blueprint(
        Blueprint("vendor", __name__, static_folder=str(vendor), static_url_path="/static/vendor")
    )
    init_static_versions(app)
    basemap_files.init_basemap_files(app)  # the offline PMTiles basemap, when configured
    pages = (auth, dashboard, review, auditlog, admin, jobs, provider, releases, changes)
    for module in (*pages, responses, villages, notifications, priorities):
        app.register_blueprint(module.bp)

    @app.errorhandler(CSRFError)
    def _form_too_old(error: CSRFError) -> Any:
        """A form sent after its session ended: log in again, then back to its page."""
        if request.path.startswith("/api/") or current_user.is_authenticated:
            return error_page(error)
        referrer = urlsplit(request.referrer or "")
        back = referrer.path if referrer.netloc == request.host else "/"
        flash(_("Your session ended. Log in again; then send the form once more."), "error")
        return redirect(url_for("auth.login", next=back))

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_path": request.path}
