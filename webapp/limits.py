"""What keeps one client, or too many, from exhausting the server.

- :class:`RateLimiter`: a token bucket per client address (``POST /api/samples``), kept
  in the database so that any number of workers share it.
- :class:`Gate`: at most ``size`` recognitions at once; a request that cannot start within a
  short wait is turned away (503 + ``Retry-After``) instead of queueing for many seconds.

The gate is per process: it bounds what one process's CPUs are asked to do at once.
"""
import math
import threading
import time
from collections import deque
from contextlib import contextmanager

from sqlalchemy import text

from webapp import db


class RateLimiter:
    """``rate`` requests a minute per client, in bursts of up to ``rate``: a token bucket
    per client in the database (table ``rate_bucket``), so that every worker, on every
    machine, spends from the same budget.

    Each :meth:`take` is one short write transaction. The table stays small: when a new
    client's bucket is made, buckets idle long enough to have refilled (as good as new)
    are dropped. ``clock`` is wall-clock seconds, shared by the machines behind one URL.
    """

    def __init__(self, rate, clock=time.time):
        self.rate = rate
        self.clock = clock

    def take(self, conn, client):
        """Spend one of ``client``'s tokens through ``conn`` (a store connection); returns
        0, or the seconds until one is free."""
        if not self.rate:
            return 0
        per_second = self.rate / 60
        now = self.clock()
        with db.transaction(conn):
            made = conn.execute(_NEW_BUCKET, {"client": client, "tokens": float(self.rate),
                                              "now": now}).rowcount == 1
            if made:
                conn.execute(_PRUNE, {"idle_since": now - self.rate / per_second})
            select = _BUCKET_FOR_UPDATE if conn.dialect.name == "postgresql" else _BUCKET
            tokens, then = conn.execute(select, {"client": client}).one()
            tokens = min(self.rate, tokens + max(0.0, now - then) * per_second)
            if tokens >= 1:
                tokens -= 1
                wait = 0
            else:
                wait = math.ceil((1 - tokens) / per_second)
            conn.execute(_SET_BUCKET, {"client": client, "tokens": tokens, "now": now})
        return wait


_NEW_BUCKET = text("INSERT INTO rate_bucket (client, tokens, updated)"
                   " VALUES (:client, :tokens, :now) ON CONFLICT (client) DO NOTHING")
_PRUNE = text("DELETE FROM rate_bucket WHERE updated < :idle_since")
_BUCKET = text("SELECT tokens, updated FROM rate_bucket WHERE client = :client")
_BUCKET_FOR_UPDATE = text(f"{_BUCKET.text} FOR UPDATE")  # SQLite's write lock is the file's
_SET_BUCKET = text("UPDATE rate_bucket SET tokens = :tokens, updated = :now"
                   " WHERE client = :client")


class Busy(Exception):
    """No recognition slot came free within the wait."""


class Gate:
    """At most ``size`` holders at once; :meth:`slot` waits up to ``wait`` seconds, first
    come first served.

    A freed slot is handed to the oldest waiter, never to a request that arrives later:
    with a semaphore, a woken waiter that lost the race to a newcomer went back to the end
    of the queue, so under steady load a few requests waited past ``wait`` (and got a 503)
    while the mean wait was a third of it (``benchmarks.server_load``, 32 clients, 1 worker)."""

    def __init__(self, size, wait):
        self.wait = wait
        self._free = size
        self._waiting = deque()          # one Event per waiting request, oldest first
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, deadline=None):
        """Hold one slot for the ``with`` block; raises :class:`Busy` when none frees in
        time (in ``wait`` seconds, or before ``deadline``, a ``time.monotonic()`` value)."""
        wait = self.wait
        if deadline is not None:
            wait = max(0.0, min(wait, deadline - time.monotonic()))
        if not self._acquire(wait):
            raise Busy(f"all recognition slots stayed busy for {wait:.2f} s")
        try:
            yield
        finally:
            self._release()

    def _acquire(self, wait):
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(wait):
            return True
        with self._lock:
            if turn.is_set():            # handed a slot just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def _release(self):
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()    # the slot passes to the oldest waiter
            else:
                self._free += 1
