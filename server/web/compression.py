"""Compressed answers: pages, scripts, styles, JSON and GeoJSON go out gzip/brotli/zstd
encoded to browsers that accept it (a phone on rural mobile data gets a fifth of the bytes).
Files that are compressed already (GeoTIFF, ZIP, KMZ, PNG, PDF) go out as they are, and so
do the API's answers (phones and scripts read them as the OpenAPI document says)."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

__all__ = ["init_compression"]

TEXT_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/xml",
    "image/svg+xml",
]


MAX_BUFFERED = 8 * 1024 * 1024  # larger text files go out as they are (no memory spike)


def init_compression(app: Flask) -> None:
    """Compress the app's whole (200) text answers; a part of a file asked for with
    ``Range`` goes out as it is (``COMPRESS_*`` settings may override)."""
    app.config.setdefault("COMPRESS_MIMETYPES", TEXT_TYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress(app)

    @app.after_request
    def _compress(response: Response) -> Response:
        if (
            response.status_code != 200
            or request.path.startswith("/api/")  # machines: answers as the API documents them
            or response.mimetype not in compress.compress_mimetypes_set
            or not request.headers.get("Accept-Encoding")
        ):
            return response
        if response.is_streamed:  # a file: read into memory (closed with the answer) if small
            size = response.content_length
            if size is None or size > MAX_BUFFERED:
                return response
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
