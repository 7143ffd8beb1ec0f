"""What an operator sees: Prometheus metrics at ``/metrics`` and one JSON log line a request.

Metrics (``prometheus_client``; text format at ``GET /metrics``):

- ``inkdigits_http_requests_total{route, method, status}``: requests answered;
- ``inkdigits_http_request_duration_seconds{route, method}``: a latency histogram;
- ``inkdigits_readings_in_flight``: drawings being read right now (summed over live workers).

``route`` is the URL rule (``/api/recognize``, ``/static/<path:filename>``) or
``unmatched``, and ``method`` one of :data:`METHODS` or ``other``, so no client can grow
the number of series. Under ``inkdigits serve --workers N`` the environment variable
``PROMETHEUS_MULTIPROC_DIR`` names a fresh folder that every worker writes its figures to
(prometheus_client's multiprocess mode), and ``/metrics`` answers for all of them,
whichever worker it reaches; without it, each app has its own registry.

The log: logger :data:`ACCESS_LOGGER` gets, at INFO, one JSON object a request:
``{"time", "pid", "method", "path", "route", "status", "ms", "bytes", "remote"}``;
``inkdigits serve`` writes them to stdout (:func:`log_to`).
"""
import json
import logging
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, g, request

ACCESS_LOGGER = "inkdigits.access"
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: a health check takes ~1 ms, a 6-digit number ~10-50 ms, the deadline is 3 s.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_LOGGED_PATH = 256   # characters of the path a log line keeps (the rest is "...")

bp = Blueprint("observe", __name__)


class Metrics:
    """The app's metric objects, registered in ``registry`` (one per app)."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("inkdigits_http_requests", "HTTP requests answered",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("inkdigits_http_request_duration_seconds",
                                 "Time from the request's arrival in the app to its answer",
                                 ["route", "method"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.in_flight = Gauge("inkdigits_readings_in_flight", "Drawings being read now",
                               registry=self.registry, multiprocess_mode="livesum")

    def exposition(self):
        """``(body, content type)`` of the text format, for every worker in multiprocess mode."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = self.registry
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST


def init_app(app):
    """Add the metrics, the per-request log and ``/metrics``; call before other
    ``before_request`` hooks so that requests they refuse are timed and counted too."""
    app.extensions["metrics"] = Metrics()
    app.before_request(_start_clock)
    app.after_request(_record)
    app.register_blueprint(bp)


@contextmanager
def reading():
    """Count a drawing as in flight for the ``with`` block."""
    gauge = current_app.extensions["metrics"].in_flight
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


@bp.get("/metrics")
def metrics():
    body, content_type = current_app.extensions["metrics"].exposition()
    return Response(body, content_type=content_type)


def log_to(stream=None):
    """Write the access log to ``stream`` (default stdout), the JSON line alone."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


def _start_clock():
    g.observe_started = time.perf_counter()


def _record(response):
    seconds = time.perf_counter() - g.get("observe_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    method = request.method if request.method in METHODS else "other"
    metrics = current_app.extensions["metrics"]
    metrics.requests.labels(route, method, str(response.status_code)).inc()
    metrics.latency.labels(route, method).observe(seconds)
    logger = logging.getLogger(ACCESS_LOGGER)
    if logger.isEnabledFor(logging.INFO):
        logger.info(json.dumps(_line(route, response, seconds)))
    return response


def _line(route, response, seconds):
    path = request.path
    if len(path) > MAX_LOGGED_PATH:
        path = path[:MAX_LOGGED_PATH] + "..."
    return {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "pid": os.getpid(), "method": request.method[:16], "path": path, "route": route,
            "status": response.status_code, "ms": round(1e3 * seconds, 2),
            "bytes": response.content_length, "remote": request.remote_addr}
