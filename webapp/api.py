"""The JSON API (blueprint ``api``, mounted at ``/api``).

Ink is a list of strokes in pen order; a stroke is a list of ``[x, y]`` or ``[x, y, t]``
points (canvas pixels, y down; t in ms). ``openapi.py`` holds the full schema.

``POST /api/recognize``  ``{"strokes": ink, "crops": bool?}``
    -> 200 ``result_to_dict`` form: ``{"text", "score", "digits": [...], "alternatives"}``
``POST /api/samples``    ``{"strokes": ink, "label": "digits", "predicted": str?}``
    -> 201 ``{"id", "label", "predicted", "model_version"}``
``GET /api/health``      -> 200 ``{"status": "ok", "model_version", "model", "uptime_s"}``
``GET /api/openapi.json`` -> the OpenAPI 3 document

Errors: ``{"error": message}`` with 400 (malformed JSON), 413 (body over
``MAX_CONTENT_LENGTH``), 415 (not ``application/json``), 422 (invalid ink or label).
"""
import json
import re

from flask import Blueprint, abort, jsonify, request

from recognizer import InvalidInk, result_to_dict
from webapp import db, get_model_info, get_recognizer, uptime_seconds
from webapp.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")

LABEL_RE = re.compile(r"[0-9]{1,64}")
MAX_PREDICTED = 64


@bp.post("/recognize")
def recognize():
    body = _json_object()
    crops = body.get("crops", False)
    if not isinstance(crops, bool):
        abort(422, "crops must be true or false")
    result = _recognize(body)
    return jsonify(result_to_dict(result, crops=crops))


@bp.post("/samples")
def save_sample():
    body = _json_object()
    label = body.get("label")
    if not isinstance(label, str) or not LABEL_RE.fullmatch(label):
        abort(422, "label must be a string of 1 to 64 digits 0-9")
    predicted = body.get("predicted")
    if predicted is not None and (not isinstance(predicted, str) or len(predicted) > MAX_PREDICTED):
        abort(422, f"predicted must be a string of at most {MAX_PREDICTED} characters, or null")
    result = _recognize(body)
    if not result.digits:
        abort(422, "strokes: the drawing is empty")
    if predicted is None:
        predicted = result.text  # what the model says now, when the client does not tell
    version = get_model_info()["version"]
    sample_id = db.insert_sample(db.get_db(), body["strokes"], label, predicted, version)
    return jsonify(id=sample_id, label=label, predicted=predicted, model_version=version), 201


@bp.get("/health")
def health():
    info = get_model_info()
    return jsonify(status="ok", model_version=info["version"], model=info,
                   uptime_s=round(uptime_seconds(), 3))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _recognize(body):
    """Run the recognizer on ``body["strokes"]``; invalid ink is a 422 naming stroke and point."""
    if "strokes" not in body:
        abort(422, "strokes: required")
    try:
        return get_recognizer().recognize(body["strokes"])
    except InvalidInk as e:
        abort(422, f"strokes: {e}")


def _json_object():
    """The request body as a JSON object; 415, 413 or 400 before any work is done."""
    if not request.is_json:
        abort(415, "Content-Type must be application/json")
    raw = request.get_data(cache=False)  # raises 413 over MAX_CONTENT_LENGTH, before parsing
    try:
        body = json.loads(raw, parse_constant=_reject_constant, parse_int=_parse_int)
    except (ValueError, RecursionError) as e:
        abort(400, f"malformed JSON: {e}")
    if not isinstance(body, dict):
        abort(400, "malformed JSON: the body must be a JSON object")
    return body


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _parse_int(text):
    # Integers too long for a float become floats (inf beyond 1e308), so ink checks reject
    # them with a message instead of numpy overflowing; long digit strings stay cheap.
    return int(text) if len(text) <= 18 else float(text)
