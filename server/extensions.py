"""Flask extensions shared by the blueprints."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

__all__ = ["limiter"]

limiter = Limiter(key_func=get_remote_address, default_limits=[])
