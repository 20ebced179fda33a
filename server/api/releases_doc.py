"""OpenAPI of the releases API (merged into the document by ``server.api.docs``)."""

from __future__ import annotations

from typing import Any

__all__ = ["PATHS", "SCHEMAS"]

_TOKEN: list[dict[str, list[str]]] = [{"apiToken": []}]
_TEXT = {"type": ["string", "null"]}
_DAY = {"type": ["string", "null"], "format": "date"}
_NUMBER = {"type": ["number", "null"]}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(c): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for c in codes
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


_RELEASE_ID = _path("release_id", {"type": "integer"})
_PRODUCT = _path("product", {"type": "string", "examples": ["510-10-LTE"]})

_RELEASE = {
    "type": "object",
    "required": [
        "id",
        "title",
        "period_from",
        "period_to",
        "tech",
        "operators",
        "state",
        "published_at",
        "respond_by",
        "fingerprint",
        "url",
    ],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "note": _TEXT,
        "period_from": {"type": "string", "format": "date"},
        "period_to": {"type": "string", "format": "date"},
        "area": {"type": "string"},
        "tech": {"type": "string"},
        "operators": {
            "type": "array",
            "items": {"type": "string"},
            "description": "MCC-MNC of its products this token may see",
        },
        "state": {"type": "string", "enum": ["published", "withdrawn"]},
        "published_at": {"type": "string", "format": "date-time"},
        "respond_by": {"type": "string", "format": "date", "description": "responses due"},
        "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
        "withdraw_reason": _TEXT,
        "fingerprint": {"type": "string", "description": "SHA-256 of the readings' ids"},
        "url": {"type": "string", "format": "uri"},
    },
}
_VERDICT = {
    "type": "object",
    "required": ["village_code", "verdict", "readings", "fixes", "officers"],
    "properties": {
        "village_code": {"type": "string", "description": "Kemendagri code"},
        "village": {"type": "string"},
        "kecamatan": {"type": "string"},
        "kabkota": {"type": "string"},
        "verdict": {
            "type": "string",
            "enum": ["strong", "weak", "none", "insufficient data", "unsurveyed"],
        },
        "reason": _TEXT,
        "readings": {"type": "integer"},
        "no_service": {"type": "integer"},
        "fixes": {"type": "integer", "description": "distinct positions (about 10 m)"},
        "officers": {"type": "integer"},
        "first_day": _DAY,
        "last_day": _DAY,
        "surveyed_share": {"type": "number"},
        "strong_share": {"type": "number"},
        "weak_share": {"type": "number"},
        "none_share": {"type": "number"},
        "rmse_db": {**_NUMBER, "description": "cross-validated error of the product's map"},
    },
}
_FILE = {
    "type": "object",
    "required": ["name", "bytes", "sha256", "url"],
    "properties": {
        "name": {"type": "string"},
        "bytes": {"type": "integer"},
        "sha256": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
    },
}
_RELEASE_PRODUCT = {
    "type": "object",
    "required": ["product", "operator", "tech", "summary", "files", "archive", "villages"],
    "properties": {
        "product": {"type": "string", "description": "MCC-MNC-technology"},
        "operator": {"type": "string"},
        "tech": {"type": "string"},
        "summary": {
            "type": "object",
            "description": "method, rmse_db (between roads), lodo_rmse_db (on roads), "
            "readings, blankspots",
        },
        "archive": {"type": "string", "format": "uri"},
        "files": {"type": "array", "items": {"$ref": "#/components/schemas/ReleaseFile"}},
        "villages": {"type": "array", "items": {"$ref": "#/components/schemas/VillageVerdict"}},
    },
}

SCHEMAS: dict[str, Any] = {
    "Release": _RELEASE,
    "ReleaseDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/Release"},
            {
                "type": "object",
                "required": ["products"],
                "properties": {
                    "products": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/ReleaseProduct"},
                    }
                },
            },
        ]
    },
    "ReleaseProduct": _RELEASE_PRODUCT,
    "ReleaseFile": _FILE,
    "VillageVerdict": _VERDICT,
}

PATHS: dict[str, Any] = {
    "/api/v1/releases": {
        "get": {
            "summary": "Every release this token may see (providers: of their own operators), "
            "newest first, published or withdrawn with the reason.",
            "security": _TOKEN,
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["releases"],
                        "properties": {
                            "releases": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Release"},
                            }
                        },
                    },
                    "the releases",
                ),
                **_errors(401, 403),
            },
        }
    },
    "/api/v1/releases/{release_id}": {
        "get": {
            "summary": "One release: its products this token may see, each with its summary, "
            "frozen files (size, SHA-256, link) and village verdicts with their evidence.",
            "security": _TOKEN,
            "parameters": [_RELEASE_ID],
            "responses": {
                "200": _json({"$ref": "#/components/schemas/ReleaseDetail"}, "the release"),
                **_errors(401, 403, 404),
            },
        }
    },
    "/api/v1/releases/{release_id}/files/{product}/{name}": {
        "get": {
            "summary": "One frozen file of a product of a release (audited).",
            "security": _TOKEN,
            "parameters": [_RELEASE_ID, _PRODUCT, _path("name", {"type": "string"})],
            "responses": {
                "200": {"description": "the file (Content-Disposition: attachment)"},
                **_errors(401, 403, 404),
            },
        }
    },
    "/api/v1/releases/{release_id}/files/{product}.zip": {
        "get": {
            "summary": "Every file of a product of a release in one ZIP (audited).",
            "security": _TOKEN,
            "parameters": [_RELEASE_ID, _PRODUCT],
            "responses": {
                "200": {"description": "application/zip"},
                **_errors(401, 403, 404),
            },
        }
    },
}
