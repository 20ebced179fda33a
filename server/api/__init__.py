"""API v1 for phones and scripts: JSON in, JSON out, one error shape."""

from flask import Blueprint

__all__ = ["api"]

api = Blueprint("api", __name__, url_prefix="/api/v1")

# INTEGRATION (session 4): API modules being written in parallel; made strict once all exist
import importlib  # noqa: E402

from server.api import devices, docs, products, uploads  # noqa: E402,F401  (routes register)

for _name in ("releases", "changes", "responses"):
    try:
        importlib.import_module(f"server.api.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"server.api.{_name}":
            raise
