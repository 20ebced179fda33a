"""The OpenAPI 3 document of API v1, and a plain HTML page that renders it (no CDN)."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from flask import Response

from analysis.schema import MODES, NUMERIC_RANGES, TECHS
from server.api import api
from server.web.access import public

__all__ = ["openapi_document"]


def _measurement_schema() -> dict[str, Any]:
    number = {"type": ["number", "null"]}
    props: dict[str, Any] = {
        "id": {"type": "string", "format": "uuid"},
        "device_id": {"type": "string", "maxLength": 64},
        "session_id": {"type": "string", "maxLength": 64},
        "observed_at": {"type": "string", "format": "date-time"},
        "mock_location": {"type": ["boolean", "null"]},
        "tech": {"type": "string", "enum": list(TECHS)},
        "mcc": {"type": ["string", "null"], "pattern": "^[0-9]{3}$"},
        "mnc": {"type": ["string", "null"], "pattern": "^[0-9]{2,3}$"},
        "operator": {"type": ["string", "null"], "maxLength": 64},
        "cell_id": {"type": ["integer", "null"], "minimum": 0},
        "tac_lac": {"type": ["integer", "null"], "minimum": 0},
        "pci_psc": {"type": ["integer", "null"], "minimum": 0, "maximum": 1007},
        "arfcn": {"type": ["integer", "null"], "minimum": 0},
        "mode": {"type": ["string", "null"], "enum": [*MODES, None]},
        "note": {"type": ["string", "null"], "maxLength": 500},
    }
    for name, (low, high) in NUMERIC_RANGES.items():
        props[name] = {**number, "minimum": low, "maximum": high}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": props,
        "required": ["id", "device_id", "session_id", "observed_at", "lat", "lon", "tech"],
    }


_COUNTS = {
    "type": "object",
    "required": ["accepted", "duplicates", "rejected", "flagged"],
    "properties": {
        k: {"type": "integer"} for k in ("accepted", "duplicates", "rejected", "flagged")
    },
}
_UPLOAD_SUMMARY = {
    "type": "object",
    "required": ["upload_id", "state", "counts", "received_at"],
    "properties": {
        "upload_id": {"type": "string"},
        "state": {"type": "string", "enum": ["received", "has_issues", "approved", "rejected"]},
        "comment": {"type": ["string", "null"]},
        "received_at": {"type": "string"},
        "reviewed_at": {"type": ["string", "null"]},
        "counts": _COUNTS,
        "rejections": {"type": "array"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}


_NULLABLE_TEXT = {"type": ["string", "null"]}
_CAMPAIGN_VILLAGE = {
    "type": "object",
    "required": ["code", "name", "lat", "lon", "readings", "sent_back", "state"],
    "properties": {
        "code": {"type": "string", "description": "Kemendagri village code"},
        "name": {"type": "string"},
        "kecamatan": {"type": "string"},
        "kab": {"type": "string", "description": "kabupaten/kota"},
        "lat": {"type": ["number", "null"], "description": "a point inside the village"},
        "lon": {"type": ["number", "null"]},
        "readings": {
            "type": "integer",
            "description": "readings inside the campaign's dates from uploads received or "
            "approved (excluded readings left out)",
        },
        "sent_back": {
            "type": "integer",
            "description": "readings inside the dates from uploads marked has_issues or rejected",
        },
        "state": {
            "type": "string",
            "enum": ["not_surveyed", "surveyed", "needs_resurvey", "verification"],
            "description": "verification: an operator's response to check; surveyed: at "
            "least 10 readings count; needs_resurvey: readings, but fewer that count",
        },
    },
}
_DEVICE_CAMPAIGN = {
    "type": "object",
    "required": ["id", "name", "purpose", "village_codes", "villages"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "purpose": {"type": "string", "enum": ["survey", "verification"]},
        "village_codes": {"type": "array", "items": {"type": "string"}},
        "area": {"type": ["object", "null"], "description": "GeoJSON polygon"},
        "starts_on": {**_NULLABLE_TEXT, "description": "first instant (UTC)"},
        "ends_on": {**_NULLABLE_TEXT, "description": "first instant after the last day (UTC)"},
        "first_day": {**_NULLABLE_TEXT, "format": "date", "description": "WIB, inclusive"},
        "last_day": {**_NULLABLE_TEXT, "format": "date", "description": "WIB, inclusive"},
        "response": {
            "type": ["object", "null"],
            "description": "for a verification: the operator's response to check",
            "properties": {
                "operator": {"type": "string"},
                "tech": {"type": "string"},
                "kind": {"type": "string"},
            },
        },
        "villages": {"type": "array", "items": _CAMPAIGN_VILLAGE},
    },
}


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


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The whole document: the operations here and those of ``DOC_PARTS`` (each a module
    with ``PATHS`` and ``SCHEMAS``)."""
    import importlib

    doc = _core_document()
    for name in DOC_PARTS:
        part = importlib.import_module(name)
        doc["paths"].update(part.PATHS)
        doc["components"]["schemas"].update(part.SCHEMAS)
    return doc


# Modules that describe their own operations (``PATHS``) and schemas (``SCHEMAS``).
DOC_PARTS = ("server.api.releases_doc", "server.api.changes_doc", "server.api.responses_doc")


def _core_document() -> dict[str, Any]:
    """The API as it is served (tests check the live answers against it)."""
    bearer: list[dict[str, list[str]]] = [{"deviceToken": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PetaSinyal API",
            "version": "1",
            "description": "Sync API for the PetaSinyal survey app, and the products "
            "(maps, tables) for providers' scripts. Every error answers {code, message, details}.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "deviceToken": {"type": "http", "scheme": "bearer"},
                "apiToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "made on the page /tokens by a provider or an admin",
                },
            },
            "schemas": {
                "Error": _ERROR,
                "Measurement": _measurement_schema(),
                "UploadSummary": _UPLOAD_SUMMARY,
                "UploadAnswer": _upload_answer(),
                "Product": _PRODUCT,
            },
        },
        "paths": {
            "/api/v1/devices/enroll": {
                "post": {
                    "summary": "Exchange a one-time enrolment code for a device token.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["code", "name"],
                                    "properties": {
                                        "code": {"type": "string"},
                                        "name": {"type": "string", "maxLength": 64},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "required": ["device_id", "token"],
                                "properties": {
                                    "device_id": {"type": "integer"},
                                    "token": {"type": "string"},
                                },
                            },
                            "enrolled",
                        ),
                        **_errors(400, 401, 413, 415, 422, 429),
                    },
                }
            },
            "/api/v1/devices/me": {
                "get": {
                    "summary": "The device, its officer's uploads with review states and "
                    "comments, and campaigns.",
                    "security": bearer,
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["device_id", "uploads", "campaigns"],
                                "properties": {
                                    "device_id": {"type": "integer"},
                                    "name": {"type": "string"},
                                    "uploads": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/UploadSummary"},
                                    },
                                    "campaigns": {"type": "array", "items": _DEVICE_CAMPAIGN},
                                },
                            },
                            "the device",
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/v1/uploads": {
                "post": {
                    "summary": "Send up to 5,000 readings (gzip accepted); idempotent on batch_id "
                    "and on each reading's id.",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["batch_id", "measurements"],
                                    "properties": {
                                        "batch_id": {"type": "string", "format": "uuid"},
                                        "measurements": {
                                            "type": "array",
                                            "maxItems": 5000,
                                            "items": {"$ref": "#/components/schemas/Measurement"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/UploadAnswer"}, "nothing new"),
                        "201": _json({"$ref": "#/components/schemas/UploadAnswer"}, "stored"),
                        **_errors(400, 401, 409, 413, 415, 422),
                    },
                }
            },
            "/api/v1/uploads/{upload_id}": {
                "get": {
                    "summary": "One of this device's uploads: counts, review state, comment.",
                    "security": bearer,
                    "parameters": [
                        {
                            "name": "upload_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/UploadSummary"}, "the upload"),
                        **_errors(401, 404),
                    },
                }
            },
            "/api/v1/products": {
                "get": {
                    "summary": "The newest published product of each operator and technology "
                    "this token may see (providers: their own operators only; a withdrawn "
                    "release no longer counts), with its release and a link to each file.",
                    "security": [{"apiToken": []}],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["products"],
                                "properties": {
                                    "products": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Product"},
                                    }
                                },
                            },
                            "the products",
                        ),
                        **_errors(401, 403),
                    },
                }
            },
            "/api/v1/products/{job_id}/{product}/{name}": {
                "get": {
                    "summary": "One file of a product: GeoTIFF, GeoJSON, KMZ, CSV (with its "
                    ".json metadata), the web map or report.json (providers: products of "
                    "published releases only).",
                    "security": [{"apiToken": []}],
                    "parameters": [
                        *_PRODUCT_PARAMETERS,
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {"description": "the file (Content-Disposition: attachment)"},
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/api/v1/products/{job_id}/{product}.zip": {
                "get": {
                    "summary": "Every file of a product in one ZIP.",
                    "security": [{"apiToken": []}],
                    "parameters": _PRODUCT_PARAMETERS,
                    "responses": {
                        "200": {"description": "application/zip"},
                        **_errors(401, 403, 404),
                    },
                }
            },
        },
    }


_PRODUCT_PARAMETERS: list[dict[str, Any]] = [
    {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}},
    {
        "name": "product",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "examples": ["510-10-LTE"]},
    },
]
_PRODUCT = {
    "type": "object",
    "required": [
        "job_id",
        "release_id",
        "product",
        "operator",
        "tech",
        "finished_at",
        "files",
        "archive",
    ],
    "properties": {
        "job_id": {"type": "integer"},
        "release_id": {"type": "integer", "description": "the release it was published in"},
        "product": {"type": "string", "description": "MCC-MNC-technology"},
        "operator": {"type": "string"},
        "tech": {"type": "string"},
        "area": {"type": "string"},
        "finished_at": {"type": "string", "format": "date-time"},
        "method": {"type": "string"},
        "rmse_db": {
            "type": "number",
            "description": "error between surveyed roads (blocked cross-validation), dB",
        },
        "lodo_rmse_db": {
            "type": ["number", "null"],
            "description": "error on surveyed roads (one drive left out), dB; null when the "
            "readings had too few drives",
        },
        "readings": {"type": "integer"},
        "blankspots": {"type": "object"},
        "villages": {"type": ["object", "null"], "description": "villages per verdict"},
        "archive": {"type": "string", "format": "uri"},
        "files": {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}},
    },
}


def _upload_answer() -> dict[str, Any]:
    ids = {"type": "array", "items": {"type": "string"}}
    return {
        "type": "object",
        "required": [
            "upload_id",
            "state",
            "accepted",
            "duplicates",
            "rejected",
            "flagged",
            "counts",
        ],
        "properties": {
            "upload_id": {"type": "string"},
            "state": {"type": "string"},
            "accepted": ids,
            "duplicates": ids,
            "rejected": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "problems"],
                    "properties": {
                        "index": {"type": "integer"},
                        "id": {"type": ["string", "null"]},
                        "problems": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["field", "reason", "code"],
                                "properties": {
                                    "field": {"type": "string"},
                                    "reason": {"type": "string"},
                                    "code": {
                                        "type": "string",
                                        "description": "required, unknown, type, range, "
                                        "future, tech, position or invalid",
                                    },
                                },
                            },
                        },
                    },
                },
            },
            "flagged": {"type": "object"},
            "counts": _COUNTS,
        },
    }


@api.get("/openapi.json")
@public
def openapi_json() -> dict[str, Any]:
    """This document."""
    return openapi_document()


@api.get("/docs")
@public
def docs_page() -> Response:
    """A readable page of the API, built from the OpenAPI document."""
    doc = openapi_document()
    rows = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            codes = ", ".join(op["responses"])
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>"
                f"{html.escape(path)}</code></td><td>{html.escape(op['summary'])}</td>"
                f"<td>{codes}</td></tr>"
            )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>PetaSinyal API"
        "</title><meta name='viewport' content='width=device-width'><style>body{font:15px/1.5 "
        "sans-serif;margin:2em;max-width:60em}td{padding:.3em .8em;border-bottom:1px solid "
        "#ddd;vertical-align:top}</style></head><body><h1>PetaSinyal API v1</h1>"
        f"<p>{html.escape(doc['info']['description'])}</p><p>Machine-readable: "
        "<a href='openapi.json'>openapi.json</a></p><table><tr><th>method</th><th>path</th>"
        "<th>what</th><th>answers</th></tr>" + "".join(rows) + "</table></body></html>"
    )
    return Response(page, mimetype="text/html")
