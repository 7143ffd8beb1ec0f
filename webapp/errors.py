"""Every error as JSON ``{"error": "..."}`` with its HTTP status, never an HTML page."""
from flask import current_app, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError


def init_app(app):
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _http_error(e):
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
