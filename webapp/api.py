"""The JSON API (blueprint ``api``, mounted at ``/api``).

Ink is a list of strokes in pen order; a stroke is a list of ``[x, y]`` or ``[x, y, t]``
points (canvas pixels, y down; t in ms). ``openapi.py`` holds the full schema.

``POST /api/recognize``  ``{"strokes": ink, "crops": bool?}``
    -> 200 ``result_to_dict`` form: ``{"text", "score", "digits": [...], "alternatives"}``,
    read in the hand of the browser's profile (``webapp.profiles``) when its cookie names
    one, and then with ``"profile": {"corrections", "samples"}`` too
``POST /api/samples``    ``{"strokes": ink, "label": "digits", "predicted": "digits"?,
                         "key": str?}`` (or the key as an ``Idempotency-Key`` header)
    -> 201 ``{"id", "label", "predicted", "model_version", "key", "learnt", "profile"}``:
    the browser's profile learnt the correction in the sample's transaction (``learnt``:
    ``{"text", "digits", "misread": [{"label", "read"}], "dropped"}``, null when no grouping
    of the ink reads the label) and the cookie naming it is set; a retry with a stored
    key -> 200 and the stored sample, nothing written or learnt (409 if label or strokes
    differ)
``GET /api/profile``     -> 200 ``{"profile": {"corrections", "samples"} or null}``
``DELETE /api/profile``  -> 200 ``{"deleted": bool, "profile": null}``: "Forget my
                         handwriting"; the row and the cookie go, the samples stay
``GET /api/health``      -> 200 ``{"status": "ok", "model_version", "model", "uptime_s",
                         "database": {"status", "bytes", "max_bytes"}}``; 503 with
                         ``"status": "error"`` and the database's state when it is broken
``GET /api/health/live`` -> 200 ``{"status": "ok", "pid", "uptime_s"}`` while the process
                         answers at all (liveness: restart it when this fails)
``GET /api/health/ready`` -> 200 ``{"status": "ok", "pid", "models": "ok", "database"}``
                         when the models are loaded and the database reachable; else 503
                         with ``"status": "error"`` (readiness: send it no traffic yet)
``GET /api/openapi.json`` -> the OpenAPI 3 document

Errors: ``{"error": message}`` with 400 (malformed JSON, Host not allowed), 403
(cross-origin POST or DELETE), 409 (idempotency key reused), 413 (body over
``MAX_CONTENT_LENGTH``), 415 (not ``application/json``), 422 (invalid ink, label, predicted or key; a string that is
not valid Unicode; ink too complex), 429 (over ``SAMPLES_PER_MINUTE``), 503 (busy, past
``REQUEST_DEADLINE_S``, or the database unavailable: ``{"error", "database": state}``),
507 (store over ``MAX_STORE_BYTES``). 429 and busy 503s carry ``Retry-After``.
"""
import ipaddress
import json
import os
import re
import sqlite3
import time
from contextlib import contextmanager

from flask import Blueprint, abort, current_app, g, jsonify, request
from sqlalchemy.exc import DBAPIError

from recognizer import InvalidInk, RecognitionStopped, result_to_dict
from webapp import db, get_model_info, get_recognizer, observe, profiles, uptime_seconds
from webapp.errors import fail
from webapp.limits import Busy
from webapp.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")

LABEL_RE = re.compile(r"[0-9]{1,64}")
PREDICTED_RE = re.compile(r"[0-9]{0,64}")
KEY_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Database states the last failed write leaves for /api/health (the others it sees itself).
_STICKY_STATES = ("read-only", "full", "io-error")
# Database states in which the app still does its main work, reading drawings: a worker in
# them is ready (every worker shares the database, so none would be better).
_SERVING_STATES = ("ok", "read-only", "full")


@bp.before_request
def _start_clock():
    g.deadline = time.monotonic() + current_app.config["REQUEST_DEADLINE_S"]


@bp.post("/recognize")
def recognize():
    body = _json_object()
    crops = body.get("crops", False)
    if not isinstance(crops, bool):
        abort(422, "crops must be true or false")
    profile = profiles.for_reading(get_recognizer())
    result = _recognize(body, profile)
    answer = result_to_dict(result, crops=crops)
    if profile is not None:   # only then: a client without a profile sees the library's fields
        answer["profile"] = profiles.summary(profile)
    return jsonify(answer)


@bp.post("/samples")
def save_sample():
    _rate_limit()
    body = _json_object()
    label = body.get("label")
    if not isinstance(label, str) or not LABEL_RE.fullmatch(label):
        abort(422, "label must be a string of 1 to 64 digits 0-9")
    predicted = body.get("predicted")
    if predicted is not None and (not isinstance(predicted, str)
                                  or not PREDICTED_RE.fullmatch(predicted)):
        abort(422, "predicted must be a string of at most 64 digits 0-9, or null")
    key = _idempotency_key(body)
    conn = db.get_db()
    if key is not None and (row := db.find_by_key(conn, key)) is not None:
        return _repeat(row, body)  # a retry: answer as before, before any work
    _check_store_size(conn, body)
    rec = get_recognizer()
    result = _recognize(body, profiles.for_reading(rec, conn))
    if not result.digits:
        abort(422, "strokes: the drawing is empty")
    if predicted is None:
        predicted = result.text  # what the model says now, when the client does not tell
    info = get_model_info()
    strokes = body["strokes"]

    def store(profile_id, also):
        return db.insert_sample(conn, strokes, label, predicted, info["version"], key,
                                profile_id=profile_id, also=also, readers=info["readers"])

    try:
        taught = profiles.teach(conn, rec, strokes, label, store, _slot)
    except profiles.LostRace as e:
        fail(503, f"{e}; retry", current_app.config["RETRY_AFTER_S"])
    current_app.extensions["inkdigits"]["database_error"] = None
    if not taught.created:  # a concurrent request with the same key stored it first
        return _repeat(taught.row, body)
    response = jsonify({**_sample(taught.row), "learnt": profiles.learnt_to_dict(taught.learnt),
                        "profile": profiles.summary(taught.profile)})
    profiles.set_cookie(response, taught.profile_id)
    return response, 201


@bp.get("/profile")
def get_profile():
    """The browser's profile as the page shows it: ``{"profile": {"corrections",
    "samples"}}``, or ``{"profile": null}`` when it has none it can read with."""
    return jsonify(profile=profiles.summary(profiles.for_reading(get_recognizer())))


@bp.delete("/profile")
def forget_profile():
    """"Forget my handwriting": delete the browser's profile and its cookie. Its samples
    stay, as training data, with their profile id."""
    profile_id = profiles.cookie_id()
    deleted = db.delete_profile(db.get_db(), profile_id) if profile_id else False
    response = jsonify(deleted=deleted, profile=None)
    profiles.clear_cookie(response)
    return response


@bp.get("/health")
def health():
    info = get_model_info()
    database = _database_state()
    ok = database["status"] == "ok"
    return jsonify(status="ok" if ok else "error", model_version=info["version"], model=info,
                   uptime_s=round(uptime_seconds(), 3), database=database), 200 if ok else 503


@bp.get("/health/live")
def live():
    return jsonify(status="ok", pid=os.getpid(), uptime_s=round(uptime_seconds(), 3))


@bp.get("/health/ready")
def ready():
    models = "ok" if get_recognizer().loaded else "loading"
    database = _database_state()      # connects and queries the store: reachable or not
    ok = models == "ok" and database["status"] in _SERVING_STATES
    return jsonify(status="ok" if ok else "error", pid=os.getpid(), models=models,
                   database=database), 200 if ok else 503


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _recognize(body, profile=None):
    """Run the recognizer on ``body["strokes"]`` (in ``profile``'s hand) within the
    request's deadline, holding one of the app's recognition slots; invalid ink is a 422
    naming stroke and point."""
    if "strokes" not in body:
        abort(422, "strokes: required")
    cancelled = request.environ.get("waitress.client_disconnected")  # waitress, lookahead > 0
    with _slot():
        return get_recognizer().recognize(body["strokes"], profile=profile,
                                          deadline=g.deadline, cancelled=cancelled)


@contextmanager
def _slot():
    """One of the app's recognition slots for the ``with`` block, waited for until the
    request's deadline; the recognizer's refusals become 422 and 503 answers."""
    retry = current_app.config["RETRY_AFTER_S"]
    try:
        with current_app.extensions["inkdigits"]["gate"].slot(g.deadline), observe.reading():
            yield
    except InvalidInk as e:
        abort(422, f"strokes: {e}")
    except Busy:
        fail(503, "server busy: too many drawings being read; retry shortly", retry)
    except RecognitionStopped as e:
        fail(503, f"recognition stopped: {e}", retry)


def _rate_limit():
    """429 once this client has saved ``SAMPLES_PER_MINUTE`` samples in a burst."""
    wait = current_app.extensions["inkdigits"]["limiter"].take(db.get_db(), _client())
    if wait:
        rate = current_app.config["SAMPLES_PER_MINUTE"]
        fail(429, f"too many samples: at most {rate} a minute from one client", wait)


def _client():
    """The rate limit's client: the peer address (an IPv6 client by its /64)."""
    addr = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return addr
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else addr


def _idempotency_key(body):
    """The client's key for this sample: ``key`` in the body or the ``Idempotency-Key``
    header (both: they must agree); None without one."""
    key = body.get("key")
    header = request.headers.get("Idempotency-Key")
    if header is not None:
        if key is not None and key != header:
            abort(422, "key: the body's key and the Idempotency-Key header differ")
        key = header
    if key is not None and (not isinstance(key, str) or not KEY_RE.fullmatch(key)):
        abort(422, "key must be 16 to 64 characters A-Z a-z 0-9 _ - (a UUID fits), or absent")
    return key


def _repeat(row, body):
    """200 and the stored sample for a retried key; 409 when the retry is another sample."""
    if row["label"] != body.get("label") or row["strokes"] != db.encode_strokes(
            body.get("strokes")):
        abort(409, "key: already used for a different sample (label or strokes differ)")
    return jsonify(_sample(row)), 200


def _sample(row):
    return {k: row[k] for k in ("id", "label", "predicted", "model_version", "key")}


def _check_store_size(conn, body):
    """507 when storing this sample would take the store over ``MAX_STORE_BYTES``."""
    limit = current_app.config["MAX_STORE_BYTES"]
    size = db.store_bytes(conn)
    if size + len(db.encode_strokes(body.get("strokes"))) > limit:
        fail(507, f"the store is full: {size} bytes, the limit is {limit} (MAX_STORE_BYTES)")


def _database_state():
    """``{"status": one of db.STATES, "bytes", "max_bytes"[, "error"]}`` for /api/health."""
    database = current_app.config["DATABASE"]
    limit = current_app.config["MAX_STORE_BYTES"]
    try:
        with db.get_engine().connect() as conn:
            if not db.is_store(conn):
                return {"status": "damaged", "error": "the database is not an inkdigits store"}
            size = db.store_bytes(conn)
    except (sqlite3.Error, DBAPIError) as e:
        state, message = db.describe_error(e)
        return {"status": state, "error": message}
    state = {"status": "ok", "bytes": size, "max_bytes": limit}
    last = current_app.extensions["inkdigits"].get("database_error")
    if last and last[0] in _STICKY_STATES:
        state.update(status=last[0], error=f"the last write failed: {last[1]}")
    elif not db.is_url(database) and not _writable(database):
        state.update(status="read-only", error="the database is read-only")
    elif size >= limit:
        state.update(status="full", error="the store has reached MAX_STORE_BYTES")
    return state


def _writable(path):
    """An SQLite file and its folder (where its WAL and journal go) may be written."""
    return os.access(path, os.W_OK) and os.access(os.path.dirname(os.path.abspath(path)),
                                                  os.W_OK)


def _json_object():
    """The request body as a JSON object of valid Unicode; 415, 413, 400 or 422 before
    any work is done."""
    if not request.is_json:
        abort(415, "Content-Type must be application/json")
    raw = request.get_data(cache=False)  # raises 413 over MAX_CONTENT_LENGTH, before parsing
    try:
        text = raw.decode("utf-8")  # strict: no other encodings, no encoded surrogates
    except UnicodeDecodeError as e:
        abort(400, f"malformed JSON: not UTF-8 ({e.reason} at byte {e.start})")
    try:
        body = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except (ValueError, RecursionError) as e:
        abort(400, f"malformed JSON: {e}")
    if not isinstance(body, dict):
        abort(400, "malformed JSON: the body must be a JSON object")
    _check_unicode(body)
    return body


def _check_unicode(body):
    """422 naming the field when a string holds a lone surrogate (``"\\ud800"``): JSON
    escapes allow it, UTF-8 (the database, the log) does not."""
    if _encodes(body):
        return
    for name, value in body.items():
        if not _encodes(name):
            abort(422, "a field name is not valid Unicode (a lone surrogate)")
        if not _encodes(value):
            abort(422, f"{name}: not valid Unicode (a lone surrogate)")


def _encodes(value):
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _parse_int(text):
    # Integers too long for a float become floats (inf beyond 1e308), so ink checks reject
    # them with a message instead of numpy overflowing; long digit strings stay cheap.
    return int(text) if len(text) <= 18 else float(text)
