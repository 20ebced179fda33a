"""Reading request bodies safely: size limits, gzip, strict JSON (no NaN)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from server.errors import ApiError

__all__ = ["json_body"]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _raw_body() -> bytes:
    """The body, or 413 past ``MAX_CONTENT_LENGTH`` whether or not a length was declared.

    Werkzeug refuses a declared ``Content-Length`` over the limit, but stops reading a
    chunked body at the limit without a word: the body would be cut, not refused.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None or limit is None:
        return request.get_data(cache=False)
    stream = request.stream
    chunks, size = [], 0
    while chunk := stream.read(min(65_536, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    if size >= limit and _more(stream):
        raise ApiError(413, f"request body larger than {limit} bytes")
    return b"".join(chunks)


def _more(stream: Any) -> bool:
    """Whether ``stream`` has a byte left (Werkzeug's capped stream answers 413 instead)."""
    try:
        return bool(stream.read(1))
    except RequestEntityTooLarge:
        return True


def json_body() -> Any:
    """The request's JSON, gunzipped if ``Content-Encoding: gzip``; 4xx on anything else."""
    raw = _raw_body()
    encoding = request.headers.get("Content-Encoding", "").lower()
    if encoding == "gzip":
        limit = current_app.config["MAX_DECOMPRESSED_BYTES"]
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = decompressor.decompress(raw, limit)
        except zlib.error as exc:
            raise ApiError(400, f"body is not valid gzip: {exc}") from exc
        if decompressor.unconsumed_tail:
            raise ApiError(413, f"decompressed body larger than {limit} bytes")
    elif encoding not in ("", "identity"):
        raise ApiError(415, f"unsupported Content-Encoding {encoding!r}; use gzip")
    if not request.mimetype == "application/json":
        raise ApiError(415, "send JSON with Content-Type: application/json")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # "[[[[...]]]]" nested deeper than any real upload
        raise ApiError(400, "body is nested too deeply") from exc
