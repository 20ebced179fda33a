"""OpenAPI of the responses API (merged into the document by ``server.api.docs``)."""

from __future__ import annotations

from typing import Any

from server.responses import EVIDENCE_MAX_BYTES, STATES

__all__ = ["PATHS", "SCHEMAS"]

_TOKEN: list[dict[str, list[str]]] = [{"apiToken": []}]
_TEXT = {"type": ["string", "null"]}
_DAY = {"type": ["string", "null"], "format": "date"}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_ID = {"type": "integer", "minimum": 1}
_KINDS = ["acknowledged", "planned", "disputed", "resolved"]


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(c): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for c in codes
    }


def _json(ref: str, description: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_EVIDENCE_FILE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "filename", "format", "bytes", "sha256", "readings", "rejected", "inside"],
    "properties": {
        "id": {"type": "integer"},
        "filename": {"type": "string"},
        "format": {"type": "string", "description": "gnettrack, opencellid or canonical"},
        "bytes": {"type": "integer"},
        "sha256": {"type": "string"},
        "readings": {"type": "integer", "description": "readings kept as evidence"},
        "rejected": {"type": "integer", "description": "rows refused (or of another operator)"},
        "inside": {
            "type": "integer",
            "description": "readings of the response's technology inside its village",
        },
        "uploaded_at": {"type": "string", "format": "date-time"},
    },
}
_EVIDENCE_ADDED = {
    **_EVIDENCE_FILE,
    "properties": {
        **{k: v for k, v in _EVIDENCE_FILE["properties"].items() if k != "uploaded_at"},
        "file_id": {"type": "integer"},
    },
    "required": [
        "file_id",
        "filename",
        "format",
        "bytes",
        "sha256",
        "readings",
        "rejected",
        "inside",
    ],
}
_RESPONSE = {
    "type": "object",
    "required": ["id", "release_id", "village_code", "product", "kind", "decision", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "release_id": {"type": "integer"},
        "village_code": {"type": "string"},
        "village": {"type": "string"},
        "product": {"type": "string", "description": "MCC-MNC-TECH"},
        "operator": {"type": "string"},
        "tech": {"type": "string"},
        "kind": {"type": "string", "enum": _KINDS},
        "message": _TEXT,
        "site_name": _TEXT,
        "expected_on": _DAY,
        "on_air_since": _DAY,
        "created_at": {"type": "string", "format": "date-time"},
        "decision": {"type": "string", "enum": ["pending", "accepted", "rejected"]},
        "decided_at": _TIME,
        "decision_reason": _TEXT,
        "verification_campaign_id": {"type": ["integer", "null"]},
        "outcome": {"type": ["string", "null"], "enum": ["confirmed", "still_blankspot", None]},
        "closed_by_release_id": {"type": ["integer", "null"]},
        "closed_at": _TIME,
        "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/EvidenceFile"}},
    },
}
_NEW_RESPONSE = {
    "type": "object",
    "required": ["release_id", "village_code", "kind"],
    "description": "Give product, or operator and tech. planned needs site_name and "
    "expected_on; disputed needs message (evidence files follow); resolved needs "
    "on_air_since (not in the future).",
    "properties": {
        "release_id": _ID,
        "village_code": {"type": "string", "examples": ["13.06.01.2001"]},
        "product": {"type": "string", "examples": ["510-10-LTE"]},
        "operator": {"type": "string", "examples": ["510-10"]},
        "tech": {"type": "string", "examples": ["LTE"]},
        "kind": {"type": "string", "enum": _KINDS},
        "message": {"type": "string", "maxLength": 4000},
        "site_name": {"type": "string", "maxLength": 120},
        "expected_on": {"type": "string", "format": "date"},
        "on_air_since": {"type": "string", "format": "date"},
    },
}
_RESPONSE_ID = {"name": "response_id", "in": "path", "required": True, "schema": _ID}

SCHEMAS: dict[str, Any] = {
    "Response": _RESPONSE,
    "EvidenceFile": _EVIDENCE_FILE,
    "EvidenceAdded": _EVIDENCE_ADDED,
}

PATHS: dict[str, Any] = {
    "/api/v1/responses": {
        "get": {
            "summary": "The responses this token may see (providers: their own operators), "
            "newest first, at most 500.",
            "security": _TOKEN,
            "parameters": [
                {
                    "name": "state",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(STATES)},
                },
                {"name": "operator", "in": "query", "schema": {"type": "string"}},
                {"name": "release_id", "in": "query", "schema": _ID},
            ],
            "responses": {
                "200": {
                    "description": "the responses",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["responses"],
                                "properties": {
                                    "responses": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Response"},
                                    }
                                },
                            }
                        }
                    },
                },
                **_errors(400, 401, 403),
            },
        },
        "post": {
            "summary": "Answer one village of a published release for one of the token's "
            "products: acknowledged, planned, disputed or resolved.",
            "security": _TOKEN,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewResponse"}}
                },
            },
            "responses": {
                "201": _json("Response", "recorded"),
                **_errors(400, 401, 403, 404, 409, 413, 415, 422),
            },
        },
    },
    "/api/v1/responses/{response_id}": {
        "get": {
            "summary": "One response: every status (decision, verification, outcome) and "
            "its evidence files.",
            "security": _TOKEN,
            "parameters": [_RESPONSE_ID],
            "responses": {"200": _json("Response", "the response"), **_errors(401, 403, 404)},
        }
    },
    "/api/v1/responses/{response_id}/evidence": {
        "post": {
            "summary": "Add a drive-test file (G-NetTrack, OpenCelliD/Tower Collector or "
            "canonical CSV) as evidence of a pending dispute or resolved claim: send the "
            "file as the raw request body and name it with ?filename=.",
            "security": _TOKEN,
            "parameters": [
                _RESPONSE_ID,
                {
                    "name": "filename",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                },
            ],
            "requestBody": {
                "required": True,
                "description": f"the file, at most {EVIDENCE_MAX_BYTES} bytes",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "responses": {
                "201": _json("EvidenceAdded", "kept as evidence, with counts"),
                **_errors(400, 401, 403, 404, 409, 413, 422),
            },
        },
        "get": {
            "summary": "The response's evidence readings as GeoJSON points (signal class "
            "strong, weak, none or unknown).",
            "security": _TOKEN,
            "parameters": [_RESPONSE_ID],
            "responses": {
                "200": {
                    "description": "a GeoJSON FeatureCollection",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["type", "features"],
                                "properties": {
                                    "type": {"const": "FeatureCollection"},
                                    "features": {"type": "array"},
                                },
                            }
                        }
                    },
                },
                **_errors(401, 403, 404),
            },
        },
    },
}
SCHEMAS["NewResponse"] = _NEW_RESPONSE
