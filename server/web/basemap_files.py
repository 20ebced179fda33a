"""The offline basemap file (``BASEMAP_PMTILES``): a PMTiles archive on the server, e.g. a
Protomaps extract of Sumatra (vector) or a raster one, which the pages' maps read in parts
with HTTP Range requests (``analysis/export/static/basemap.js``).

The archive's header is read once at startup: a missing, unreadable or unknown file is left
out (one line in the log) and the maps simply do not offer the layer.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, send_file

from server.web.access import roles_required

__all__ = ["PMTilesArchive", "bp", "init_basemap_files", "read_archive"]

bp = Blueprint("basemap_files", __name__)

_MAGIC = b"PMTiles"
_HEADER_BYTES = 127
# PMTiles v3 tile types: 1 MVT (drawn by protomaps-leaflet), 2-5 PNG/JPEG/WebP/AVIF images
_KINDS = {1: "vector", 2: "raster", 3: "raster", 4: "raster", 5: "raster"}


@dataclass(frozen=True)
class PMTilesArchive:
    """What the maps need to know of a PMTiles v3 archive."""

    path: Path
    kind: str  # "vector" or "raster"
    min_zoom: int
    max_zoom: int


def read_archive(path: str | Path) -> PMTilesArchive:
    """The header of the PMTiles v3 archive at ``path``; ``OSError`` when it cannot be
    read, ``ValueError`` when it is no PMTiles v3 archive of tiles the maps can draw."""
    path = Path(path)
    with path.open("rb") as handle:
        header = handle.read(_HEADER_BYTES)
    if len(header) < _HEADER_BYTES or not header.startswith(_MAGIC):
        raise ValueError("not a PMTiles archive")
    if header[7] != 3:
        raise ValueError(f"PMTiles version {header[7]}, not 3")
    tile_type, min_zoom, max_zoom = struct.unpack_from("<BBB", header, 99)
    if tile_type not in _KINDS:
        raise ValueError(f"tile type {tile_type} cannot be drawn (MVT, PNG, JPEG, WebP, AVIF)")
    return PMTilesArchive(path.resolve(), _KINDS[tile_type], min_zoom, max_zoom)


def init_basemap_files(app: Flask) -> None:
    """Offer ``BASEMAP_PMTILES`` to the maps when it is a readable archive, and its route."""
    archive = None
    configured = app.config.get("BASEMAP_PMTILES")
    if configured:
        try:
            archive = read_archive(configured)
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            app.logger.warning("offline basemap %s left out: %s", configured, reason)
    app.extensions["basemap_pmtiles"] = archive
    app.jinja_env.globals["basemap_pmtiles"] = archive
    app.register_blueprint(bp)


@bp.get("/map/basemap.pmtiles")
@roles_required("admin", "officer", "provider")
def archive_file() -> Response:
    """The offline basemap archive, whole or the byte ranges asked for (206)."""
    archive: PMTilesArchive | None = current_app.extensions.get("basemap_pmtiles")
    if archive is None:
        abort(404)
    try:
        response = send_file(
            archive.path, mimetype="application/vnd.pmtiles", conditional=True, max_age=3600
        )
    except OSError:  # moved or deleted since startup
        abort(404)
    response.cache_control.public = False  # for logged-in users only
    response.cache_control.private = True
    return response
