"""Operations in one process: /api/health/live and /ready, /metrics, one JSON log line a
request (``webapp.observe``). The same across gunicorn workers: test_server_workers.py."""
import json
import logging
import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from recognizer import NumberRecognizer
from webapp import create_app
from webapp.observe import ACCESS_LOGGER, MAX_LOGGED_PATH

from conftest import PATIENT

ONE = [[10, 10, 0], [10, 60, 50], [10, 110, 100]]            # a vertical "1"


def post(client, url, body, **kw):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **kw)


def samples(client, name):
    """``{labels as a sorted tuple of pairs: value}`` of metric sample ``name`` in /metrics."""
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.content_type.startswith("text/plain; version=")
    out = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def requests_total(client):
    """``{(route, method, status): count}`` from /metrics."""
    return {(d["route"], d["method"], d["status"]): v for d, v in (
        (dict(k), v) for k, v in samples(client, "inkdigits_http_requests_total").items())}


# --- liveness and readiness --------------------------------------------------------------

def test_live_answers_with_this_process(client):
    r = client.get("/api/health/live")
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "ok" and body["pid"] == os.getpid()
    assert 0 <= body["uptime_s"] < 60


def test_ready_when_models_loaded_and_database_reachable(client):
    r = client.get("/api/health/ready")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["status"], body["models"], body["pid"]) == ("ok", "ok", os.getpid())
    assert body["database"]["status"] == "ok"


def test_not_ready_while_the_database_is_unreachable(app, client):
    os.remove(app.config["DATABASE"])
    r = client.get("/api/health/ready")
    assert r.status_code == 503
    assert r.get_json()["status"] == "error"
    assert r.get_json()["database"]["status"] == "missing"
    assert client.get("/api/health/live").status_code == 200     # alive: do not restart it


def test_not_ready_until_the_models_are_loaded(client, monkeypatch):
    monkeypatch.setattr(NumberRecognizer, "loaded", property(lambda self: False))
    r = client.get("/api/health/ready")
    assert r.status_code == 503
    assert (r.get_json()["status"], r.get_json()["models"]) == ("error", "loading")


def test_a_full_store_is_still_ready_though_health_is_503(recognizer, tmp_path):
    app = create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                      "DATABASE": str(tmp_path / "s.sqlite"), "MAX_STORE_BYTES": 1, **PATIENT})
    client = app.test_client()
    assert client.get("/api/health").status_code == 503      # as before the split
    r = client.get("/api/health/ready")
    assert r.status_code == 200                               # drawings are still read
    assert r.get_json()["database"]["status"] == "full"


def test_the_app_loads_both_models_before_its_first_request(app):
    rec = app.extensions["inkdigits"]["recognizer"]
    assert rec._classifier is not None and rec._path_reader is not None
    assert rec.loaded


def test_a_recognizer_is_loaded_only_once_all_its_models_are(tiny_model_path):
    rec = NumberRecognizer.load(tiny_model_path)
    assert not rec.loaded
    rec.classifier
    assert not rec.loaded                     # the pen-path reader is still to come
    rec.path_reader
    assert not rec.loaded                     # ... and the sequence reader
    rec.sequence_reader
    assert rec.loaded
    alone = NumberRecognizer.load(tiny_model_path, path_model=False, sequence_model=False)
    alone.classifier
    assert alone.loaded


# --- /metrics ----------------------------------------------------------------------------

def test_metrics_count_requests_by_route_method_and_status(client):
    for _ in range(3):
        client.get("/api/health/live")
    assert post(client, "/api/recognize", {"strokes": [ONE]}).status_code == 200
    assert post(client, "/api/recognize", {"strokes": "no"}).status_code == 422
    assert post(client, "/api/recognize", "{").status_code == 400
    counts = requests_total(client)
    assert counts == {("/api/health/live", "GET", "200"): 3,
                      ("/api/recognize", "POST", "200"): 1,
                      ("/api/recognize", "POST", "422"): 1,
                      ("/api/recognize", "POST", "400"): 1}


def test_latency_histogram_has_one_observation_a_request(client):
    for _ in range(4):
        client.get("/api/health/live")
    counts = samples(client, "inkdigits_http_request_duration_seconds_count")
    assert counts == {(("method", "GET"), ("route", "/api/health/live")): 4}
    buckets = samples(client, "inkdigits_http_request_duration_seconds_bucket")
    assert buckets[(("le", "+Inf"), ("method", "GET"), ("route", "/api/health/live"))] == 4


def test_clients_cannot_grow_the_number_of_series(client):
    for i in range(50):
        client.get(f"/nope/{i}")
        client.open("/api/health/live", method=f"BREW{i}")
    counts = requests_total(client)
    # a 405 matched no rule either: Flask routes by path and method together
    assert counts == {("unmatched", "GET", "404"): 50, ("unmatched", "other", "405"): 50}


def test_requests_refused_before_the_view_are_counted(client):
    assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 400
    assert post(client, "/api/samples", {}, headers={"Origin": "http://evil.example"}
                ).status_code == 403
    assert requests_total(client) == {("/api/health", "GET", "400"): 1,
                                      ("/api/samples", "POST", "403"): 1}


def test_readings_in_flight_counts_a_drawing_while_it_is_read(app, client, monkeypatch):
    rec = app.extensions["inkdigits"]["recognizer"]
    registry = app.extensions["metrics"].registry
    seen = []
    read = rec.recognize

    def recognize(*args, **kw):
        seen.append(registry.get_sample_value("inkdigits_readings_in_flight"))
        return read(*args, **kw)

    monkeypatch.setattr(rec, "recognize", recognize)
    assert post(client, "/api/recognize", {"strokes": [ONE]}).status_code == 200
    assert post(client, "/api/recognize", {"strokes": [[[0, 0, 0]] * 2, [["x"]]]}
                ).status_code == 422
    assert seen == [1.0, 1.0]
    assert samples(client, "inkdigits_readings_in_flight") == {(): 0.0}


# --- the request log ---------------------------------------------------------------------

def access_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS_LOGGER]


def test_each_request_logs_one_json_line(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    client.get("/api/health/live")
    post(client, "/api/recognize", {"strokes": 7})
    client.get("/nope?secret=1")
    lines = access_lines(caplog)
    assert [(x["method"], x["path"], x["route"], x["status"]) for x in lines] == [
        ("GET", "/api/health/live", "/api/health/live", 200),
        ("POST", "/api/recognize", "/api/recognize", 422),
        ("GET", "/nope", "unmatched", 404)]                 # no query string
    for x in lines:
        assert set(x) == {"time", "pid", "method", "path", "route", "status", "ms", "bytes",
                          "remote"}
        assert x["pid"] == os.getpid() and x["remote"] == "127.0.0.1"
        assert isinstance(x["ms"], float) and x["ms"] >= 0 and x["bytes"] > 0


def test_a_long_or_hostile_path_stays_one_bounded_line(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    client.get("/" + "a" * 5000)
    client.get("/x%0a{\"status\":200}")                     # a newline and fake JSON
    long, hostile = access_lines(caplog)
    assert long["path"] == "/" + "a" * (MAX_LOGGED_PATH - 1) + "..."
    assert hostile["path"] == "/x\n{\"status\":200}" and hostile["status"] == 404
    assert all("\n" not in r.getMessage() for r in caplog.records)
