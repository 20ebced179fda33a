"""Operator names for the pages: the shared MCC-MNC table plus the ``OPERATOR_NAMES`` setting.

``OPERATOR_NAMES`` (a dict, e.g. ``{"510-10": "Telkomsel"}``) adds or renames operators
without a code change; outside a Flask app only the built-in table is used.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app, has_app_context

from analysis import operators as table

__all__ = ["init_operators", "known_operators", "operator_label", "operator_name", "product_label"]


def _configured() -> Mapping[str, str]:
    """The app's ``OPERATOR_NAMES`` (empty outside an app)."""
    if not has_app_context():
        return {}
    return current_app.config.get("OPERATOR_NAMES") or {}


def operator_name(code: str | None) -> str:
    """``"Telkomsel"`` for ``"510-10"``; an unknown code is returned as it is."""
    return table.operator_name(code, _configured())


def operator_label(code: str | None) -> str:
    """``"Telkomsel (510-10)"``; just the code when no name is known."""
    return table.operator_label(code, _configured())


def product_label(product: str | None) -> str:
    """``"Telkomsel (510-10) LTE"`` for the product ``"510-10-LTE"``."""
    operator, _sep, tech = (product or "").rpartition("-")
    return f"{operator_label(operator)} {tech}" if operator else tech


def known_operators() -> dict[str, str]:
    """Every known code and its name (built-in and configured), sorted by code."""
    names = {**table.OPERATOR_NAMES, **_configured()}
    return dict(sorted(names.items()))


def init_operators(app: Flask) -> None:
    """Register the Jinja filters ``operator_name``, ``operator_label`` and ``product_label``."""
    app.jinja_env.filters["operator_name"] = operator_name
    app.jinja_env.filters["operator_label"] = operator_label
    app.jinja_env.filters["product_label"] = product_label
