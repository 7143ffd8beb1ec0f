"""Every error as JSON ``{"error": "..."}`` with its HTTP status, never an HTML page.

A failing database is a 503 naming its state (``{"error", "database"}``); answers a client
should retry later carry ``Retry-After`` (seconds).
"""
import sqlite3

from flask import abort, current_app, jsonify
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp import db


def init_app(app):
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sqlite3.Error, database_error)
    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(Exception, _unexpected_error)


def error_response(status, message, retry_after=None, **fields):
    """``{"error": message, **fields}`` with ``status`` (and ``Retry-After`` if given)."""
    response = jsonify(error=message, **fields)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


def fail(status, message, retry_after=None, **fields):
    """Stop the request with :func:`error_response`."""
    abort(error_response(status, message, retry_after, **fields))


def database_error(e):
    """503 saying what is wrong with the database; the state is kept for /api/health."""
    state, message = db.describe_error(e)
    current_app.extensions["inkdigits"]["database_error"] = (state, message)
    current_app.logger.warning("database %s: %s", state, e)
    retry = current_app.config["RETRY_AFTER_S"] if state == "busy" else None
    return error_response(503, f"database unavailable: {message}", retry, database=state)


def _http_error(e):
    if e.response is not None:  # already JSON, built by fail()
        return e.response
    message = e.description or e.name
    if e.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        message = f"request body too large: the limit is {limit} bytes"
    response = jsonify(error=message)
    response.status_code = e.code or 500
    if e.code == 405 and e.valid_methods:
        response.headers["Allow"] = ", ".join(e.valid_methods)
    return response


def _unexpected_error(e):
    """Last resort: log the traceback, answer a bare JSON 500 (the tests show none occur)."""
    current_app.logger.exception("unhandled error")
    return _http_error(InternalServerError("internal error"))
