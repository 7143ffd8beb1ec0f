"""Four gunicorn workers, eight clients, one PostgreSQL (issue 15): every correction the
server acknowledged is stored exactly once, retries included, and nothing else is."""
import http.client
import json
import sys
import threading
import uuid

import pytest

from benchmarks.loopback import HOST, Server

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")

WORKERS, CLIENTS, EACH = 4, 8, 6
ONE = [[[50, 20, 0], [52, 60, 40], [53, 110, 80], [54, 160, 120]]]


def post_sample(port, key):
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        body = json.dumps({"strokes": ONE, "label": "1", "predicted": "1", "key": key})
        conn.request("POST", "/api/samples", body=body,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def stored_keys(url):
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(sqlalchemy.text("SELECT key FROM sample"))]
    finally:
        engine.dispose()


def test_every_acknowledged_write_is_stored_exactly_once(tmp_path, fresh_postgres):
    server = Server(fresh_postgres, tmp_path / "server.log",
                    args=["--workers", str(WORKERS), "--samples-per-minute", "0"])
    server.start()
    try:
        server.wait_for_workers(WORKERS)
        acked, failures, lock = [], [], threading.Lock()

        def client(n):
            for i in range(EACH):
                key = f"client{n}-{i}-{uuid.uuid4().hex}"
                for attempt in range(2):            # each correction sent twice: a retry
                    status, body = post_sample(server.port, key)
                    with lock:
                        if status in (200, 201):
                            acked.append((key, body["id"]))
                        else:
                            failures.append((status, body))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert failures == []
    assert len(acked) == 2 * CLIENTS * EACH
    keys = stored_keys(fresh_postgres)
    assert sorted(keys) == sorted({k for k, _ in acked})           # each once, no strays
    ids = {}
    for key, row_id in acked:                                       # a retry names the row
        assert ids.setdefault(key, row_id) == row_id
    assert len(set(server.worker_pids())) == WORKERS
