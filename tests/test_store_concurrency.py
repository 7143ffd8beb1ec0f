"""Four gunicorn workers, eight clients, one PostgreSQL (issue 15): every correction the
server acknowledged is stored exactly once, retries included, and nothing else is; and
every acknowledged correction is learnt exactly once by its browser's profile, the two
clients (tabs) of each browser writing that one profile at the same time."""
import http.client
import json
import sys
import threading
import uuid
from collections import Counter

import pytest

from benchmarks.loopback import HOST, Server

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")

WORKERS, CLIENTS, EACH = 4, 8, 6
TABS = 2                     # clients per browser: CLIENTS // TABS profiles
ONE = [[[50, 20, 0], [52, 60, 40], [53, 110, 80], [54, 160, 120]]]
COOKIE = "inkdigits_profile"


def post_sample(port, key, cookie=None):
    """(status, body, the profile id the answer's cookie sets or None)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    try:
        body = json.dumps({"strokes": ONE, "label": "1", "predicted": "1", "key": key})
        conn.request("POST", "/api/samples", body=body, headers=headers)
        response = conn.getresponse()
        sets = response.getheader("Set-Cookie") or ""
        given = sets.split(";")[0].split("=", 1)[1] if sets.startswith(COOKIE + "=") else None
        return response.status, json.loads(response.read() or b"null"), given
    finally:
        conn.close()


def query(url, sql):
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sqlalchemy.text(sql))]
    finally:
        engine.dispose()


def test_every_acknowledged_write_is_stored_and_learnt_exactly_once(tmp_path, fresh_postgres):
    server = Server(fresh_postgres, tmp_path / "server.log",
                    args=["--workers", str(WORKERS), "--samples-per-minute", "0"])
    server.start()
    try:
        server.wait_for_workers(WORKERS)
        browsers = []                               # each browser's first correction
        for b in range(CLIENTS // TABS):
            status, body, given = post_sample(server.port, f"first{b}-{uuid.uuid4().hex}")
            assert status == 201 and given, body
            browsers.append(given)
        acked, failures, lock = [], [], threading.Lock()

        def client(n):
            cookie = browsers[n // TABS]
            for i in range(EACH):
                key = f"client{n}-{i}-{uuid.uuid4().hex}"
                for attempt in range(2):            # each correction sent twice: a retry
                    status, body, given = post_sample(server.port, key, cookie)
                    with lock:
                        if status in (200, 201):
                            acked.append((key, body["id"], cookie))
                            assert given in (cookie, None)   # the browser keeps its profile
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
    keys = [k for (k,) in query(fresh_postgres, "SELECT key FROM sample")]
    assert sorted(keys) == sorted({k for k, _, _ in acked} | set(firsts(keys)))
    ids = {}
    for key, row_id, _ in acked:                                    # a retry names the row
        assert ids.setdefault(key, row_id) == row_id
    # each browser's profile: its first correction and each of its tabs' EACH, learnt once
    learnt = 1 + TABS * EACH
    assert sorted(query(fresh_postgres, "SELECT id, corrections, revision FROM profile")) == \
        sorted((b, learnt, learnt) for b in browsers)
    by_profile = Counter(p for (p,) in query(fresh_postgres, "SELECT profile_id FROM sample"))
    assert by_profile == {b: learnt for b in browsers}
    assert len(set(server.worker_pids())) == WORKERS


def firsts(keys):
    return [k for k in keys if k.startswith("first")]
