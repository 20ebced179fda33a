"""Layered configuration: defaults, then ``PETASINYAL_*`` environment variables, then a dict.

Nothing is read at import time; ``create_app`` builds the configuration for each app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["DEFAULTS", "database_url", "proxy_hops"]

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,  # generated per instance folder when not given
    "DATABASE_URL": None,  # default: SQLite file in the instance folder
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,  # compressed request bodies
    "MAX_DECOMPRESSED_BYTES": 64 * 1024 * 1024,  # a gzip bomb stops here
    "MAX_BATCH": 5_000,
    "ENROL_CODE_MINUTES": 30,
    "RATELIMIT_ENROL": "10 per minute",
    "RATELIMIT_LOGIN": "10 per minute",
    # One count for every gunicorn worker needs a shared storage, e.g. redis://redis:6379/0
    # (docker-compose); memory:// counts per worker process.
    "RATELIMIT_STORAGE_URI": "memory://",
    # While that storage is unreachable each worker counts on its own (never a 500 at login)
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # Proxies in front of the server that set X-Forwarded-For/-Proto/-Host/-Port (0: none).
    # The rate limits and the audit log then see the client's address, not the proxy's.
    "PROXY_HOPS": 0,
    "FLAG_ACCURACY_M": 50.0,
    "FLAG_SPEED_KMH": 250.0,
    "FLAG_STALE_DAYS": 30.0,
    # West Sumatra's box (lon_min, lat_min, lon_max, lat_max); readings outside are flagged
    "REGION_BBOX": (98.5, -3.7, 102.0, 1.0),
    # Village boundaries (GeoJSON or SQL dump with Kemendagri codes) and the full code list
    "BOUNDARIES": None,
    "VILLAGE_LIST": None,
    # Web pages
    "PAGE_SIZE": 50,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,  # set True behind HTTPS (docker-compose does)
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    # Flask-Login: "strong" ends a session whose cookie comes back from another address or
    # browser; "basic" where users' addresses change often (mobile data)
    "SESSION_PROTECTION": "strong",
    "HSTS_SECONDS": 365 * 24 * 3600,  # sent only with SESSION_COOKIE_SECURE; 0: never
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    # Heatmap jobs
    "JOBS_DIR": None,  # default: the instance folder's jobs/
    "JOB_POLL_SECONDS": 2.0,
    "JOB_HEARTBEAT_SECONDS": 10.0,
    "JOB_STALE_SECONDS": 120.0,
    "JOB_MAX_ATTEMPTS": 3,
    # Releases: a product with less evidence than this is published only with an explicit,
    # audited override (per operator and technology)
    "RELEASE_MIN_READINGS": 200,
    "RELEASE_MIN_FIXES": 50,  # distinct positions, about 10 m apart
    "RELEASE_MIN_SURVEYED_SHARE": 0.02,  # of the grid's cells
    "RESPONSE_DAYS": 60,  # operators answer a release within this many days
    # Mail (notifications); nothing is mailed while SMTP_HOST is unset
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "SMTP_SSL": False,
    "SMTP_TIMEOUT": 20.0,
    "MAIL_FROM": "PetaSinyal <petasinyal@localhost>",
    "MAIL_MAX_ATTEMPTS": 8,  # then the mail is given up (the notification stays in the pages)
    "MAIL_RETRY_SECONDS": 60.0,  # doubled after every failed attempt
    "BASE_URL": None,  # links in mails, e.g. https://petasinyal.sumbarprov.go.id
    # Where to survey next: evidence older than this many days asks for a new survey
    "SURVEY_MAX_AGE_DAYS": 365,
    # Metadata of published releases (Satu Data Indonesia, docs/reports.md)
    "METADATA_ORGANISATION": "Dinas Komunikasi, Informatika dan Statistik Provinsi Sumatera Barat",
    "METADATA_EMAIL": None,
    "METADATA_OWNER_ORG": None,  # the CKAN organisation; default: a slug of the organisation
    "METADATA_LICENCE": "CC-BY-4.0",  # SPDX id
    # Operator names by MCC-MNC code, added to or replacing the built-in table
    # (analysis/operators.py), e.g. {"510-10": "Telkomsel"}
    "OPERATOR_NAMES": {},
    # Optional background tiles for the web maps (XYZ URL such as
    # https://tile.openstreetmap.org/{z}/{x}/{y}.png, and its attribution); without them the
    # maps draw the offline basemap of boundaries only (server/static/basemap.js).
    "BASEMAP_TILES": None,
    "BASEMAP_ATTRIBUTION": None,
    # Optional offline basemap: a PMTiles v3 file on this server (vector MVT, e.g. a Protomaps
    # extract of Sumatra, or raster PNG/JPEG/WebP), served at /map/basemap.pmtiles, and its
    # attribution (default: the Protomaps/OpenStreetMap credit for vector files, the file's
    # own for raster ones). A missing or unreadable file is left out with a line in the log.
    "BASEMAP_PMTILES": None,
    "BASEMAP_PMTILES_ATTRIBUTION": None,
}


def database_url(config: dict[str, Any], instance_path: str) -> str:
    """The configured database, or a SQLite file in the instance folder."""
    url = config.get("DATABASE_URL")
    if url:
        return str(url)
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'petasinyal.sqlite3'}"


def proxy_hops(config: dict[str, Any]) -> int:
    """How many proxies to trust for the client's address; a clear error if not a count."""
    value = config.get("PROXY_HOPS") or 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError(f"PETASINYAL_PROXY_HOPS must be a count from 0 to 10, not {value!r}")
    return value
