"""The OpenAPI 3 document served at ``/api/openapi.json``; tests check it against the routes."""

_POINT = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3,
          "description": "[x, y] or [x, y, t]: canvas pixels (origin top-left, y down), t in ms"}
_INK = {"type": "array", "description": "strokes in pen order (at most MAX_STROKES strokes, "
        "MAX_POINTS points in all; defaults 1000 and 20000)",
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Point"}}}

_SCHEMAS = {
    "Point": _POINT,
    "Ink": _INK,
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string"}}},
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
                                                 "score": {"type": "number"}}}}}},
    "SampleRequest": {
        "type": "object", "required": ["strokes", "label"],
        "properties": {
            "strokes": {"$ref": "#/components/schemas/Ink"},
            "label": {"type": "string", "pattern": "^[0-9]{1,64}$",
                      "description": "the number the writer meant"},
            "predicted": {"type": "string", "nullable": True, "maxLength": 64,
                          "description": "what the page showed; read by the server if absent"}}},
    "Sample": {
        "type": "object", "required": ["id", "label", "predicted", "model_version"],
        "properties": {"id": {"type": "integer"}, "label": {"type": "string"},
                       "predicted": {"type": "string"}, "model_version": {"type": "string"}}},
    "Health": {
        "type": "object", "required": ["status", "model_version", "model", "uptime_s"],
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "model_version": {"type": "string",
                              "description": "sha256 prefix of the model file [+card version]"},
            "model": {"type": "object", "properties": {
                "version": {"type": "string"}, "sha256": {"type": "string"},
                "file": {"type": "string"}, "card": {"type": "object"}}},
            "uptime_s": {"type": "number", "description": "seconds since the app started"}}},
}

_ERRORS = {
    "400": "malformed JSON, or a body that is not a JSON object",
    "413": "request body over MAX_CONTENT_LENGTH (default 1 MiB)",
    "415": "Content-Type is not application/json",
    "422": "invalid ink (the message names the stroke and point) or an invalid field",
}


def _content(schema):
    ref = schema if isinstance(schema, dict) else {"$ref": f"#/components/schemas/{schema}"}
    return {"application/json": {"schema": ref}}


def _error(description):
    return {"description": description, "content": _content("Error")}


def _post(summary, request_schema, status, response_schema, description):
    responses = {status: {"description": description, "content": _content(response_schema)}}
    responses.update({code: _error(text) for code, text in _ERRORS.items()})
    responses["405"] = _error("method not allowed")
    return {"post": {"summary": summary,
                     "requestBody": {"required": True, "content": _content(request_schema)},
                     "responses": responses}}


def _get(summary, response_schema, description):
    return {"get": {"summary": summary, "responses": {
        "200": {"description": description, "content": _content(response_schema)},
        "405": _error("method not allowed")}}}


def openapi_document():
    """The OpenAPI 3.0 description of the ``/api`` routes."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "inkdigits", "version": "1",
                 "description": "Read handwritten numbers from ordered pen strokes. "
                                "Every error is JSON {\"error\": message}."},
        "paths": {
            "/api/recognize": _post("Read the number in a drawing", "RecognizeRequest",
                                    "200", "Recognition", "the number and its digits"),
            "/api/samples": _post("Save a drawing with the number it should read as",
                                  "SampleRequest", "201", "Sample", "the stored sample"),
            "/api/health": _get("Model version and uptime", "Health", "the server is up"),
            "/api/openapi.json": _get("This document", {"type": "object"},
                                      "the OpenAPI document"),
        },
        "components": {"schemas": _SCHEMAS},
    }
