"""OpenAPI of the change between releases (merged into the document by ``server.api.docs``)."""

from __future__ import annotations

from typing import Any

__all__ = ["PATHS", "SCHEMAS"]

_TOKEN: list[dict[str, list[str]]] = [{"apiToken": []}]
_KINDS = [
    "new_blankspot",
    "resolved",
    "improved",
    "worse",
    "newly_surveyed",
    "no_longer_surveyed",
    "unchanged",
]
_VERDICT = {
    "type": ["string", "null"],
    "enum": ["strong", "weak", "none", "insufficient data", "unsurveyed", None],
    "description": "null: the village is not in that release",
}
_NUMBER = {"type": ["number", "null"]}
_LINK = {"type": ["string", "null"], "format": "uri"}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(c): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for c in codes
    }


_PARAMETERS = [
    {"name": "release_id", "in": "path", "required": True, "schema": {"type": "integer"}},
    {
        "name": "against",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "examples": ["3"]},
        "description": "id of the release to compare with (default: the previous published "
        "release with the product)",
    },
    {
        "name": "product",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "examples": ["510-10-LTE"]},
        "description": "MCC-MNC-technology (default: the first product this token may see)",
    },
]

_RELEASE_REF = {
    "type": "object",
    "required": ["id", "title", "state", "published_at", "url"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "state": {"type": "string", "enum": ["published", "withdrawn"]},
        "published_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "format": "uri"},
    },
}

_VILLAGE_CHANGE = {
    "type": "object",
    "required": ["kode", "old_verdict", "new_verdict", "change"],
    "properties": {
        "kode": {"type": "string", "description": "Kemendagri village code"},
        "nama": {"type": "string"},
        "nama_kec": {"type": "string"},
        "nama_kabkota": {"type": "string"},
        "old_verdict": _VERDICT,
        "new_verdict": _VERDICT,
        "change": {"type": "string", "enum": _KINDS},
        "old_readings": {"type": "integer"},
        "new_readings": {"type": "integer"},
    },
}

_CHANGES = {
    "type": "object",
    "required": [
        "release",
        "against",
        "product",
        "old",
        "new",
        "villages",
        "blankspot_km2",
        "signal",
        "changed_villages",
        "files",
    ],
    "properties": {
        "release": {"type": "integer"},
        "against": {"type": "integer"},
        "product": {"type": "string"},
        "operator": {"type": "string"},
        "tech": {"type": "string"},
        "old": {"$ref": "#/components/schemas/ReleaseRef"},
        "new": {"$ref": "#/components/schemas/ReleaseRef"},
        "villages": {
            "type": "object",
            "description": "villages per kind of change",
            "properties": {k: {"type": "integer"} for k in _KINDS},
        },
        "blankspot_km2": {
            "type": "object",
            "required": ["gained", "lost"],
            "properties": {"gained": {"type": "number"}, "lost": {"type": "number"}},
        },
        "signal": {
            "type": ["object", "null"],
            "description": "newer minus older signal (dB) over the map cells surveyed in both; "
            "null when a release has no coverage raster",
            "properties": {
                "cells": {"type": "integer"},
                "mean_db": _NUMBER,
                "median_db": _NUMBER,
                "better_share": _NUMBER,
                "worse_share": _NUMBER,
                "threshold_db": {"type": "number"},
            },
        },
        "changed_villages": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/VillageChange"},
        },
        "files": {
            "type": "object",
            "properties": {"csv": _LINK, "geojson": _LINK, "geotiff": _LINK},
        },
    },
}

SCHEMAS: dict[str, Any] = {
    "ReleaseRef": _RELEASE_REF,
    "VillageChange": _VILLAGE_CHANGE,
    "ReleaseChanges": _CHANGES,
}


def _download(summary: str, media: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "security": _TOKEN,
            "parameters": _PARAMETERS,
            "responses": {
                "200": {"description": f"{media} (Content-Disposition: attachment)"},
                **_errors(401, 403, 404),
            },
        }
    }


PATHS: dict[str, Any] = {
    "/api/v1/releases/{release_id}/changes": {
        "get": {
            "summary": "The change of one product between a release and the previous (or a "
            "chosen) one: villages whose verdict changed, blankspot area gained and lost, the "
            "signal difference, and links to the files. 404 for a release this token may not "
            "see, by id or by `against`, and when there is no earlier release.",
            "security": _TOKEN,
            "parameters": _PARAMETERS,
            "responses": {
                "200": {
                    "description": "the change",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ReleaseChanges"}
                        }
                    },
                },
                **_errors(401, 403, 404),
            },
        }
    },
    "/api/v1/releases/{release_id}/changes/villages.csv": _download(
        "Every village with its old and new verdict and the kind of change (audited).", "text/csv"
    ),
    "/api/v1/releases/{release_id}/changes/blankspots.geojson": _download(
        "Blankspot area gained and lost, each part with `change` and `area_km2` (audited).",
        "application/geo+json",
    ),
    "/api/v1/releases/{release_id}/changes/signal.tif": _download(
        "The signal difference in dB where both releases are surveyed, COG GeoTIFF (audited).",
        "image/tiff",
    ),
}
