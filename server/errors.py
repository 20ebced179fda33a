"""One JSON error shape for the whole API: ``{"code", "message", "details"}``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

__all__ = ["ApiError", "error_response", "register_error_handlers"]


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
            return error
        message = {413: "request body too large", 429: "too many requests, slow down"}.get(
            error.code or 500, error.description or error.name
        )
        return error_response(error.code or 500, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith("/api/"):
            return error_response(500, "internal error; the request was not applied")
        raise error
