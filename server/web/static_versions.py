"""Static files carry their version in the URL (``?v=`` and the first hex digits of a hash of
the content), so a browser keeps them for a year without asking again, and a changed file gets
a new URL: repeat visits on a slow rural connection load only the page itself."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, Response, request
from werkzeug.security import safe_join

__all__ = ["YEAR", "init_static_versions"]

YEAR = 365 * 24 * 3600
ENDPOINTS = ("static", "vendor.static")


def _folder(app: Flask, endpoint: str) -> str | None:
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.split(".", 1)[0])
    return blueprint.static_folder if blueprint else None


def init_static_versions(app: Flask) -> None:
    """Add ``v`` to every ``url_for`` of a static file, and a year's caching to the answers
    of such URLs."""
    known: dict[tuple[str, int, int], str] = {}

    def version(path: str) -> str | None:
        try:
            status = os.stat(path)
        except OSError:
            return None  # a missing file: the URL stays plain and answers 404
        key = (path, status.st_mtime_ns, status.st_size)
        if key not in known:
            with open(path, "rb") as handle:
                known[key] = hashlib.sha256(handle.read()).hexdigest()[:12]
        return known[key]

    @app.url_defaults
    def _add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint not in ENDPOINTS or "v" in values or not values.get("filename"):
            return
        folder = _folder(app, endpoint)
        path = safe_join(folder, values["filename"]) if folder else None
        found = version(path) if path else None
        if found:
            values["v"] = found

    @app.after_request
    def _keep_a_year(response: Response) -> Response:
        if request.endpoint in ENDPOINTS and request.args.get("v") and response.status_code < 400:
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response
