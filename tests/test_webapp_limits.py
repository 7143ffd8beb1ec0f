"""Recognition slots, the request deadline, hung-up clients and the samples rate limiter."""
import json
import threading
import time

import pytest
from conftest import PATIENT

from sqlalchemy import text

from recognizer import RecognitionStopped
from webapp import create_app, db
from webapp.limits import Busy, Gate, RateLimiter

ONE = [[10, 10, 0], [10, 60, 50], [10, 110, 100]]


def post(client, url, body, **kw):
    return client.post(url, data=json.dumps(body), content_type="application/json", **kw)


def make_app(recognizer, tmp_path, **config):
    return create_app({"MODEL_PATH": str(recognizer.path), "CLASSIFIER": recognizer.classifier,
                       "DATABASE": str(tmp_path / "s.sqlite"), **{**PATIENT, **config}})


class Blocking:
    """A recognizer stand-in that holds its caller until ``release`` is set."""

    def __init__(self, real):
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = []

    def recognize(self, strokes, **kw):
        self.calls.append(kw)
        self.entered.set()
        assert self.release.wait(10)
        return self.real.recognize(strokes)


# --- RateLimiter -------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def store(database):
    """A connection to a new store, SQLite then PostgreSQL: the buckets live there."""
    db.init_db(database)
    engine = db.make_engine(database)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def buckets(conn):
    return conn.execute(text("SELECT COUNT(*) FROM rate_bucket")).scalar_one()


def test_rate_limiter_allows_a_burst_then_one_per_interval(store):
    clock = Clock()
    limiter = RateLimiter(6, clock=clock)           # 6 a minute: one token per 10 s
    assert [limiter.take(store, "a") for _ in range(7)] == [0] * 6 + [10]
    clock.now += 5
    assert limiter.take(store, "a") == 5            # half a token back: 5 s to go
    clock.now += 5
    assert limiter.take(store, "a") == 0
    assert limiter.take(store, "b") == 0            # each client has its own bucket


def test_two_workers_spend_from_one_budget(store, database):
    clock = Clock()
    other = db.make_engine(database).connect()      # another worker: its own connection
    first, second = RateLimiter(4, clock=clock), RateLimiter(4, clock=clock)
    try:
        spent = [w.take(c, "a") for w, c in [(first, store), (second, other)] * 3]
    finally:
        other.close()
    assert spent == [0, 0, 0, 0, 15, 15]


def test_rate_limiter_zero_means_no_limit(store):
    limiter = RateLimiter(0)
    assert all(limiter.take(store, "a") == 0 for _ in range(1000))
    assert buckets(store) == 0


def test_idle_buckets_are_dropped_when_new_clients_come(store):
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)           # refilled after 60 s idle
    for i in range(50):
        limiter.take(store, f"10.0.0.{i}")
    assert buckets(store) == 50
    clock.now += 61
    limiter.take(store, "x")
    assert buckets(store) == 1
    assert limiter.take(store, "x") == 0 and limiter.take(store, "x") > 0   # still limiting


def test_ipv6_clients_share_a_budget_per_64(recognizer, tmp_path):
    client = make_app(recognizer, tmp_path, SAMPLES_PER_MINUTE=1).test_client()
    sample = {"strokes": [ONE], "label": "1"}
    first = post(client, "/api/samples", sample, environ_base={"REMOTE_ADDR": "2001:db8::1"})
    second = post(client, "/api/samples", sample, environ_base={"REMOTE_ADDR": "2001:db8::2"})
    other = post(client, "/api/samples", sample, environ_base={"REMOTE_ADDR": "2001:db9::1"})
    assert (first.status_code, second.status_code, other.status_code) == (201, 429, 201)


# --- Gate --------------------------------------------------------------------------------

def test_gate_turns_away_after_the_wait():
    gate = Gate(1, wait=0.05)
    with gate.slot():
        started = time.monotonic()
        with pytest.raises(Busy):
            with gate.slot():
                pass
        assert time.monotonic() - started < 1
    with gate.slot():                                # released: free again
        pass


def test_gate_waits_no_longer_than_the_deadline():
    gate = Gate(1, wait=5)
    with gate.slot():
        started = time.monotonic()
        with pytest.raises(Busy):
            with gate.slot(deadline=time.monotonic() + 0.05):
                pass
        assert time.monotonic() - started < 1


def test_gate_serves_waiters_first_come_first_served():
    gate = Gate(1, wait=10)
    order, threads = [], []

    def wait_then_note(i):
        with gate.slot():
            order.append(i)

    with gate.slot():
        for i in range(5):
            threads.append(threading.Thread(target=wait_then_note, args=(i,)))
            threads[-1].start()
            until(lambda: len(gate._waiting) == i + 1)     # queued in this order
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]


def test_a_freed_slot_goes_to_the_waiter_not_to_a_newcomer():
    gate = Gate(1, wait=10)
    got, done = threading.Event(), threading.Event()

    def waiter():
        with gate.slot():
            got.set()
            done.wait(10)

    t = threading.Thread(target=waiter)
    with gate.slot():
        t.start()
        until(lambda: len(gate._waiting) == 1)
    with pytest.raises(Busy):                         # released just now, but handed over
        with gate.slot(deadline=time.monotonic()):
            pass
    assert got.wait(10)
    done.set()
    t.join(10)
    with gate.slot(deadline=time.monotonic()):        # free again, at once
        pass


def until(condition, seconds=10):
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.001)


# --- through the API ---------------------------------------------------------------------

def test_overload_is_a_quick_503_with_retry_after_and_health_still_answers(recognizer,
                                                                          tmp_path):
    app = make_app(recognizer, tmp_path, MAX_RECOGNITIONS=1, QUEUE_WAIT_S=0.05)
    slow = Blocking(recognizer)
    app.extensions["inkdigits"]["recognizer"] = slow
    first = []
    worker = threading.Thread(target=lambda: first.append(
        post(app.test_client(), "/api/recognize", {"strokes": [ONE]})))
    worker.start()
    try:
        assert slow.entered.wait(10)
        started = time.monotonic()
        r = post(app.test_client(), "/api/recognize", {"strokes": [ONE]})
        assert time.monotonic() - started < 2
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "1"
        assert "server busy" in r.get_json()["error"]
        s = post(app.test_client(), "/api/samples", {"strokes": [ONE], "label": "1"})
        assert s.status_code == 503                  # samples run the same recognition
        assert app.test_client().get("/api/health").status_code == 200
    finally:
        slow.release.set()
        worker.join()
    assert first[0].status_code == 200


def test_the_request_deadline_and_disconnect_check_reach_the_recognizer(recognizer, tmp_path):
    app = make_app(recognizer, tmp_path, REQUEST_DEADLINE_S=2.5)
    slow = Blocking(recognizer)
    slow.release.set()
    app.extensions["inkdigits"]["recognizer"] = slow
    gone = lambda: False  # noqa: E731
    before = time.monotonic()
    r = post(app.test_client(), "/api/recognize", {"strokes": [ONE]},
             environ_overrides={"waitress.client_disconnected": gone})
    assert r.status_code == 200
    (kw,) = slow.calls
    assert kw["cancelled"] is gone
    assert before + 2.5 <= kw["deadline"] <= time.monotonic() + 2.5


def test_a_passed_deadline_is_503_with_retry_after(recognizer, tmp_path):
    client = make_app(recognizer, tmp_path, REQUEST_DEADLINE_S=1e-9).test_client()
    for url in ("/api/recognize", "/api/samples"):
        r = post(client, url, {"strokes": [ONE] * 50, "label": "1"})
        assert r.status_code == 503, r.get_json()
        assert r.headers["Retry-After"] == "1"


def test_a_client_that_hung_up_stops_the_work(recognizer, tmp_path):
    client = make_app(recognizer, tmp_path).test_client()
    r = post(client, "/api/recognize", {"strokes": [ONE] * 50},
             environ_overrides={"waitress.client_disconnected": lambda: True})
    assert r.status_code == 503
    assert r.get_json()["error"].startswith("recognition stopped")


def test_recognition_stopped_from_the_library_is_503(recognizer, tmp_path):
    class Stops:
        def recognize(self, strokes, **kw):
            raise RecognitionStopped("past the deadline")

    app = make_app(recognizer, tmp_path)
    app.extensions["inkdigits"]["recognizer"] = Stops()
    r = post(app.test_client(), "/api/recognize", {"strokes": [ONE]})
    assert r.status_code == 503
    assert r.get_json() == {"error": "recognition stopped: past the deadline"}
