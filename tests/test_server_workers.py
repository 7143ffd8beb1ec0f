"""``inkdigits serve --workers 2`` for real, on a free 127.0.0.1 port with the shipped models:
two worker processes answer, each loaded its models after the fork (the master never did),
/metrics counts the requests of both, and every request is one JSON line in the log."""
import http.client
import json
import signal
import sys
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.loopback import HOST, Server, six_digit_ink

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")

RUNTIME_LIBS = ("litert", "tensorflow")     # what a loaded model maps into a process


def request(port, method, path, body=None):
    """``(status, body bytes)`` over a new connection (so either worker may take it)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def mapped_runtime(pid):
    """The model runtime's shared libraries mapped into process ``pid``."""
    with open(f"/proc/{pid}/maps") as maps:
        return {line.split()[-1] for line in maps
                if any(lib in line.lower() for lib in RUNTIME_LIBS)}


def parent(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def requests_total(port):
    status, body = request(port, "GET", "/metrics")
    assert status == 200
    return {(s.labels["route"], s.labels["status"]): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples if s.name == "inkdigits_http_requests_total"}


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "s.sqlite", tmp_path / "server.log", args=["--workers", "2"])
    s.start()
    s.wait_for_workers(2)
    yield s
    s.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_two_workers_load_the_models_after_the_fork_and_the_master_never_does(server):
    workers = server.worker_pids()
    master = server.proc.pid
    assert len(set(workers)) == 2 and master not in workers
    assert [parent(pid) for pid in workers] == [master, master]
    assert mapped_runtime(master) == set()            # no TensorFlow, no LiteRT, no model
    for pid in workers:
        assert mapped_runtime(pid), f"worker {pid} has no model runtime loaded"
    assert f"worker {master}:" not in server.log_text()


def test_both_workers_answer_and_metrics_and_logs_cover_them(server):
    port, workers = server.port, set(server.worker_pids())
    answered, live = set(), 0
    while answered != workers and live < 300:         # new connections: either worker
        status, body = request(port, "GET", "/api/health/live")
        assert status == 200
        answered.add(json.loads(body)["pid"])
        live += 1
    assert answered == workers
    status, body = request(port, "POST", "/api/recognize", json.dumps({"strokes": six_digit_ink()}))
    assert (status, json.loads(body)["text"]) == (200, "170452")
    status, body = request(port, "POST", "/api/recognize", '{"strokes": [[["x", 1]]]}')
    assert status == 422 and "stroke 0" in json.loads(body)["error"]
    status, body = request(port, "GET", "/api/health/ready")
    assert status == 200
    assert json.loads(body)["models"] == "ok" and json.loads(body)["database"]["status"] == "ok"

    counts = requests_total(port)                      # one worker answers for both
    assert counts[("/api/health/live", "200")] == live
    assert counts[("/api/recognize", "200")] == 1 and counts[("/api/recognize", "422")] == 1
    assert counts[("/api/health/ready", "200")] == 1

    server.stop()
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    others = [line for line in server.log_text().splitlines()
              if not line.startswith(("{", "inkdigits: "))]
    assert others == []                               # nothing but JSON lines and banners
    assert all({"method", "path", "status", "ms", "pid"} <= set(x) for x in lines)
    assert {x["pid"] for x in lines} == workers
    seen = [(x["method"], x["path"], x["status"]) for x in lines]
    assert seen.count(("GET", "/api/health/live", 200)) == live
    assert seen.count(("POST", "/api/recognize", 422)) == 1
    assert seen.count(("GET", "/metrics", 200)) == 1


def test_counts_survive_a_worker_killed_and_replaced(server):
    port = server.port
    for _ in range(20):
        assert request(port, "GET", "/api/health/live")[0] == 200
    victim = server.worker_pids()[0]
    server_pids = set(server.worker_pids())
    import os

    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while len(server.worker_pids()) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    replacement = set(server.worker_pids()) - server_pids
    assert len(replacement) == 1                      # the master started a new worker
    counts = requests_total(port)
    assert counts[("/api/health/live", "200")] == 20   # the dead worker's counts are kept


def test_a_model_that_cannot_load_stops_the_server_with_a_message(tmp_path):
    bad = tmp_path / "digits.keras"
    bad.write_bytes(b"not a model")
    s = Server(tmp_path / "s.sqlite", tmp_path / "server.log", model=bad,
               args=["--workers", "2"])
    with pytest.raises(RuntimeError, match="server exited with 3"):
        s.start(timeout=120)
    assert "inkdigits serve: worker" in s.log_text() and "digits.keras" in s.log_text()
