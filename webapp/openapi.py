"""The OpenAPI 3 document served at ``/api/openapi.json``; tests check it against the routes."""
from webapp.db import STATES

_POINT = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3,
          "description": "[x, y] or [x, y, t]: canvas pixels (origin top-left, y down), t in ms"}
_INK = {"type": "array", "description": "strokes in pen order (at most MAX_STROKES strokes, "
        "MAX_POINTS points in all; defaults 1000 and 20000)",
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Point"}}}

_SCHEMAS = {
    "Point": _POINT,
    "Ink": _INK,
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string"},
                             "database": {"type": "string", "enum": list(STATES),
                                          "description": "only on a database 503"}}},
    "RecognizeRequest": {
        "type": "object", "required": ["strokes"],
        "properties": {"strokes": {"$ref": "#/components/schemas/Ink"},
                       "crops": {"type": "boolean", "default": False,
                                 "description": "add each digit's 28x28 crop as a base64 PNG"}}},
    "Digit": {
        "type": "object", "required": ["label", "confidence", "probabilities", "bbox", "strokes"],
        "properties": {
            "label": {"type": "integer", "minimum": 0, "maximum": 9},
            "confidence": {"type": "number"},
            "probabilities": {"type": "array", "items": {"type": "number"}, "minItems": 10,
                              "maxItems": 10, "description": "digits 0-9; sum at most 1"},
            "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4,
                     "description": "x0, y0, x1, y1 in input coordinates"},
            "strokes": {"type": "array", "items": {"type": "integer"},
                        "description": "indices of the strokes in this digit"},
            "crop_png": {"type": "string", "format": "byte",
                         "description": "only with crops=true: the 28x28 image the CNN saw"}}},
    "Recognition": {
        "type": "object", "required": ["text", "score", "digits", "alternatives"],
        "properties": {
            "text": {"type": "string", "description": "the number read; empty for no ink"},
            "score": {"type": "number", "description": "log-probability of text"},
            "digits": {"type": "array", "items": {"$ref": "#/components/schemas/Digit"}},
            "alternatives": {"type": "array", "items": {
                "type": "object", "properties": {"text": {"type": "string"},
                                                 "score": {"type": "number"}}}},
            "profile": {"allOf": [{"$ref": "#/components/schemas/ProfileSummary"}],
                        "description": "only when the browser's profile read it"}}},
    "SampleRequest": {
        "type": "object", "required": ["strokes", "label"],
        "properties": {
            "strokes": {"$ref": "#/components/schemas/Ink"},
            "label": {"type": "string", "pattern": "^[0-9]{1,64}$",
                      "description": "the number the writer meant"},
            "predicted": {"type": "string", "nullable": True, "pattern": "^[0-9]{0,64}$",
                          "description": "what the page showed; read by the server if absent"},
            "key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$",
                    "description": "idempotency key chosen by the client (a UUID fits; or "
                                   "the Idempotency-Key header): a retry with a stored key "
                                   "stores nothing and answers 200 with the stored sample"}}},
    "Sample": {
        "type": "object", "required": ["id", "label", "predicted", "model_version", "key"],
        "properties": {"id": {"type": "integer"}, "label": {"type": "string"},
                       "predicted": {"type": "string"}, "model_version": {"type": "string"},
                       "key": {"type": "string", "nullable": True},
                       "learnt": {"allOf": [{"$ref": "#/components/schemas/Learnt"}],
                                  "nullable": True,
                                  "description": "on a 201: what the browser's profile "
                                                 "learnt; null when no grouping of the ink "
                                                 "reads the label (stored all the same)"},
                       "profile": {"$ref": "#/components/schemas/ProfileSummary"}}},
    "Learnt": {
        "type": "object", "required": ["text", "digits", "misread", "not_digits", "dropped"],
        "properties": {
            "text": {"type": "string"},
            "digits": {"type": "array", "items": {"type": "integer"},
                       "description": "the digits aligned to the ink, left to right"},
            "misread": {"type": "array", "description": "digits the shared model alone "
                        "reads otherwise (the page says \"learnt: your 4\")",
                        "items": {"type": "object", "properties": {
                            "label": {"type": "integer"}, "read": {"type": "integer"}}}},
            "not_digits": {"type": "integer", "description": "groups of the corrected "
                           "reading learnt as no digit: pieces of a split digit, or two "
                           "digits read as one"},
            "dropped": {"type": "integer", "description": "old samples dropped to keep the "
                        "profile within its bounds"}}},
    "ProfileSummary": {
        "type": "object", "nullable": True, "required": ["corrections", "samples"],
        "description": "the browser's profile (cookie inkdigits_profile); null without one",
        "properties": {"corrections": {"type": "integer"},
                       "samples": {"type": "array", "items": {"type": "integer"},
                                   "minItems": 10, "maxItems": 10,
                                   "description": "samples held of each digit 0-9"}}},
    "Profile": {
        "type": "object", "required": ["profile"],
        "properties": {"profile": {"$ref": "#/components/schemas/ProfileSummary"}}},
    "Forgotten": {
        "type": "object", "required": ["deleted", "profile"],
        "properties": {"deleted": {"type": "boolean",
                                   "description": "false when there was no profile"},
                       "profile": {"type": "object", "nullable": True, "enum": [None]}}},
    "Database": {
        "type": "object", "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": list(STATES)},
            "bytes": {"type": "integer", "description": "the store's size"},
            "max_bytes": {"type": "integer", "description": "MAX_STORE_BYTES"},
            "error": {"type": "string", "description": "what is wrong, when not ok"}}},
    "Health": {
        "type": "object", "required": ["status", "model_version", "model", "uptime_s",
                                       "database"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "error"],
                       "description": "error (with a 503) when the database is not ok"},
            "database": {"$ref": "#/components/schemas/Database"},
            "model_version": {"type": "string",
                              "description": "sha256 prefix of the model file [+card version]"},
            "model": {"type": "object", "properties": {
                "version": {"type": "string"}, "sha256": {"type": "string"},
                "file": {"type": "string"}, "card": {"type": "object"},
                "readers": {"type": "string", "description": "the pen-path and sequence "
                            "readers beside it, e.g. pen_path=<sha256 prefix>;sequence=..."}}},
            "uptime_s": {"type": "number", "description": "seconds since the app started"}}},
    "Live": {
        "type": "object", "required": ["status", "pid", "uptime_s"],
        "properties": {"status": {"type": "string", "enum": ["ok"]},
                       "pid": {"type": "integer", "description": "the worker process"},
                       "uptime_s": {"type": "number"}}},
    "Ready": {
        "type": "object", "required": ["status", "pid", "models", "database"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "error"]},
            "pid": {"type": "integer", "description": "the worker process"},
            "models": {"type": "string", "enum": ["ok", "loading"]},
            "database": {"$ref": "#/components/schemas/Database"}}},
}

_ERRORS = {
    "400": "malformed JSON (or not UTF-8), a body that is not a JSON object, or a Host "
           "header not in ALLOWED_HOSTS",
    "403": "a cross-origin POST or DELETE (Origin or Sec-Fetch-Site names another site)",
    "413": "request body over MAX_CONTENT_LENGTH (default 1 MiB)",
    "415": "Content-Type is not application/json",
    "422": "invalid ink (the message names the stroke and point), ink too complex to read "
           "within the work budget, an invalid field, or a string that is not valid Unicode",
    "503": "busy (no recognition slot within QUEUE_WAIT_S) or stopped (past "
           "REQUEST_DEADLINE_S, or the client hung up); with Retry-After",
}
_SAMPLE_ERRORS = {
    "409": "the idempotency key is stored with another label or drawing",
    "429": "over SAMPLES_PER_MINUTE from this client; with Retry-After",
    "503": "busy or stopped, as for /api/recognize, or the database unavailable: "
           "{\"error\", \"database\": state} (missing, read-only, full, busy, damaged, ...)",
    "507": "the store is over MAX_STORE_BYTES",
}


def _content(schema):
    ref = schema if isinstance(schema, dict) else {"$ref": f"#/components/schemas/{schema}"}
    return {"application/json": {"schema": ref}}


def _error(description):
    return {"description": description, "content": _content("Error")}


def _post(summary, request_schema, status, response_schema, description, errors=None):
    responses = {status: {"description": description, "content": _content(response_schema)}}
    responses.update({code: _error(text) for code, text in {**_ERRORS, **(errors or {})}.items()})
    responses["405"] = _error("method not allowed")
    return {"post": {"summary": summary,
                     "requestBody": {"required": True, "content": _content(request_schema)},
                     "responses": responses}}


def _get(summary, response_schema, description, extra=None):
    return {"get": {"summary": summary, "responses": {
        "200": {"description": description, "content": _content(response_schema)},
        **(extra or {}), "400": _error("Host header not in ALLOWED_HOSTS"),
        "405": _error("method not allowed")}}}


def _recognize():
    item = _post("Read the number in a drawing (in the hand of the browser's profile)",
                 "RecognizeRequest", "200", "Recognition", "the number and its digits")
    item["post"]["parameters"] = [_COOKIE]
    return item


def _samples():
    item = _post("Save a drawing with the number it should read as", "SampleRequest", "201",
                 "Sample", "the stored sample", _SAMPLE_ERRORS)
    item["post"]["responses"]["200"] = {
        "description": "a retry: the key was stored already; nothing new is written",
        "content": _content("Sample")}
    item["post"]["parameters"] = [{
        "name": "Idempotency-Key", "in": "header", "required": False,
        "schema": {"type": "string"}, "description": "the sample's key, instead of `key`"},
        _COOKIE]
    return item


_COOKIE = {"name": "inkdigits_profile", "in": "cookie", "required": False,
           "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{32}$"},
           "description": "the browser's anonymous profile, set (HttpOnly, SameSite=Lax) by "
                          "the first stored correction; a value the server did not issue "
                          "reads as no profile"}


def _profile():
    item = _get("The browser's profile: corrections learnt, samples per digit", "Profile",
                "the profile, or {\"profile\": null}")
    item["get"]["parameters"] = [_COOKIE]
    item["delete"] = {
        "summary": "Forget my handwriting: delete the browser's profile and its cookie "
                   "(its samples stay as training data)",
        "parameters": [_COOKIE],
        "responses": {"200": {"description": "forgotten", "content": _content("Forgotten")},
                      "400": _error("Host header not in ALLOWED_HOSTS"),
                      "403": _error("a cross-origin DELETE"),
                      "503": _error("the database is unavailable")}}
    return item


def openapi_document():
    """The OpenAPI 3.0 description of the ``/api`` routes."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "inkdigits", "version": "1",
                 "description": "Read handwritten numbers from ordered pen strokes. "
                                "Every error is JSON {\"error\": message}. POSTs and "
                                "DELETEs from another origin are refused; 429 and 503 "
                                "answers carry Retry-After (seconds)."},
        "paths": {
            "/api/recognize": _recognize(),
            "/api/samples": _samples(),
            "/api/profile": _profile(),
            "/api/health": _get("Model version, uptime and the database's state", "Health",
                                "the server is up and its database ok",
                                {"503": {"description": "the database is not ok",
                                         "content": _content("Health")}}),
            "/api/health/live": _get("Liveness: the process answers", "Live",
                                     "this worker is alive"),
            "/api/health/ready": _get(
                "Readiness: models loaded and the database reachable", "Ready",
                "ready for traffic (a read-only or full database still reads drawings)",
                {"503": {"description": "models not loaded, or the database unreachable "
                                        "(missing, busy, damaged, ...)",
                         "content": _content("Ready")}}),
            "/api/openapi.json": _get("This document", {"type": "object"},
                                      "the OpenAPI document"),
        },
        "components": {"schemas": _SCHEMAS},
    }
