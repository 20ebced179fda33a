"""API v1 for phones and scripts: JSON in, JSON out, one error shape."""

from flask import Blueprint

__all__ = ["api"]

api = Blueprint("api", __name__, url_prefix="/api/v1")

from server.api import (  # noqa: E402,F401  (routes register)
    changes,
    devices,
    docs,
    products,
    releases,
    responses,
    uploads,
)
