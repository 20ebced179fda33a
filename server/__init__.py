"""The PetaSinyal server: ``create_app`` builds a Flask app (no global app object)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from server.config import DEFAULTS, database_url, proxy_hops
from server.models import MAX_ID

__all__ = ["create_app"]


def _secret_key(instance_path: str) -> str:
    """The instance's secret key, made once and kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


class _IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a number past any id is "not found", not a database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then ``PETASINYAL_*`` environment variables, then ``test_config``."""
    from server.api import api
    from server.db import init_db
    from server.errors import register_error_handlers
    from server.extensions import limiter
    from server.web import csrf, init_web
    from server.web.access import public

    instance = os.environ.get("PETASINYAL_INSTANCE")
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(Path(instance).resolve()) if instance else None,
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("PETASINYAL")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if hops := proxy_hops(app.config):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.url_map.converters["int"] = _IdConverter
    init_db(app, database_url(app.config, app.instance_path))
    limiter.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(api)
    csrf.exempt(api)  # the API authenticates with bearer tokens, not cookies
    init_web(app)

    @app.get("/healthz")
    @public
    def healthz() -> dict[str, str]:
        """Liveness for load balancers and the tests."""
        return {"status": "ok"}

    @app.get("/favicon.ico")
    @public
    def favicon() -> Any:
        """Browsers ask for this before reading the page's icon link."""
        return redirect(url_for("static", filename="favicon.svg"), 301)

    return app
