"""One JSON error shape for the whole API: ``{"code", "message", "details"}``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

__all__ = ["ApiError", "error_page", "error_response", "register_error_handlers"]


class ApiError(Exception):
    """An error the API reports to its client, with an HTTP status."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or {}


def error_response(
    status: int, message: str, details: dict[str, Any] | None = None
) -> tuple[Response, int]:
    return jsonify({"code": status, "message": message, "details": details or {}}), status


def register_error_handlers(app: Flask) -> None:
    """API paths answer every error in the JSON shape; pages keep HTML errors."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> tuple[Response, int]:
        return error_response(error.status, error.message, error.details)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if not request.path.startswith("/api/"):
            return error_page(error)
        message = {413: "request body too large", 429: "too many requests, slow down"}.get(
            error.code or 500, error.description or error.name
        )
        return error_response(error.code or 500, message)

    @app.errorhandler(OperationalError)
    def _database_busy(error: OperationalError) -> Any:
        # a deadlock victim, a lock wait past its timeout, a database restarting: nothing
        # was applied and the same request can succeed later, so the client should retry
        if not request.path.startswith("/api/"):
            raise error
        app.logger.warning("database unavailable on %s: %s", request.path, error.orig)
        response, status = error_response(503, "the database is busy; retry later")
        response.headers["Retry-After"] = "30"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith("/api/"):
            return error_response(500, "internal error; the request was not applied")
        raise error


def error_page(error: HTTPException) -> Any:
    """An error page in the user's language (after the status code, a line of advice)."""
    from flask import render_template
    from flask_babel import gettext as _

    code = error.code or 500
    if code < 400:  # redirects raised by routing (e.g. a missing trailing slash)
        return error
    message = {
        400: _("The request was not understood. Reload the page and try again."),
        403: _("You are not allowed to open this page."),
        404: _("This page does not exist, or you are not allowed to see it."),
        405: _("This page does not accept this kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Wait a minute and try again."),
    }.get(code, _("Something went wrong; nothing was changed."))
    return render_template("error.html", code=code, message=message), code
