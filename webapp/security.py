"""Browser-facing protections, on every request and response.

- ``Host`` must be one of ``ALLOWED_HOSTS`` (400 otherwise): a page on another name that
  resolves to this server (DNS rebinding) cannot talk to it.
- A POST or DELETE whose ``Origin`` (or ``Sec-Fetch-Site``) says another site sent it is
  refused (403), so no other page can store samples, or forget a visitor's profile, through
  the visitor's browser.
- :data:`HEADERS` on every response: a strict CSP (the pages load their scripts and styles
  from files; no inline code), no sniffing, no framing, no referrer.
"""
from urllib.parse import urlsplit

from flask import abort, current_app, request

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'",
    "img-src 'self' data:",          # digit crops arrive as data: PNGs
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "::1")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def init_app(app):
    app.before_request(_check_request)
    app.after_request(_add_headers)


def split_host(value, scheme="http"):
    """``(name, port)`` of a ``Host`` value (``"[::1]:8000"`` -> ``("::1", 8000)``); the
    name lowercased, the port the scheme's default when absent; None when malformed."""
    value = (value or "").strip().lower()
    if value.startswith("["):
        name, sep, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else (None if rest else "")
    elif value.count(":") == 1:
        name, _, port = value.partition(":")
    else:
        name, port = value, ""
    if not name or port is None or (port and not port.isdigit()):
        return None
    return name, int(port) if port else _DEFAULT_PORTS.get(scheme)


def host_allowed(host, allowed):
    """True when the name in ``host`` is in ``allowed`` (``"*"`` allows any; a leading dot
    allows a domain and its subdomains)."""
    parts = split_host(host)
    if parts is None:
        return False
    name = parts[0]
    for entry in allowed:
        entry = entry.lower().strip("[]")
        if entry == "*" or entry == name or (entry.startswith(".")
                                             and (name == entry[1:] or name.endswith(entry))):
            return True
    return False


def same_origin(origin, host, scheme):
    """True when the ``Origin`` header names the same host and port the request went to."""
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return False
    return split_host(parts.netloc, parts.scheme) == split_host(host, scheme)


def _check_request():
    if not host_allowed(request.host, current_app.config["ALLOWED_HOSTS"]):
        abort(400, "Host header not allowed: add the name to ALLOWED_HOSTS "
                   "(inkdigits serve --allowed-host)")
    if request.method not in _SAFE_METHODS:
        origin = request.headers.get("Origin")
        cross = request.headers.get("Sec-Fetch-Site") == "cross-site"
        if cross or (origin is not None and not same_origin(origin, request.host,
                                                            request.scheme)):
            abort(403, "cross-origin request refused")


def _add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
