"""What keeps one client, or too many, from exhausting the server.

- :class:`RateLimiter`: a token bucket per client address (``POST /api/samples``).
- :class:`Gate`: at most ``size`` recognitions at once; a request that cannot start within a
  short wait is turned away (503 + ``Retry-After``) instead of queueing for many seconds.

Both are in-process: one app, one waitress process, as ``inkdigits serve`` runs it.
"""
import math
import threading
import time
from contextlib import contextmanager


class RateLimiter:
    """``rate`` requests a minute per client, in bursts of up to ``rate``.

    Memory is bounded: at most ``max_clients`` buckets; when full, buckets that have refilled
    (their client is idle) are dropped first, then the oldest.
    """

    def __init__(self, rate, max_clients=10_000, clock=time.monotonic):
        self.rate = rate
        self.max_clients = max_clients
        self.clock = clock
        self._buckets = {}          # client -> (tokens, time), oldest insertion first
        self._lock = threading.Lock()

    def take(self, client):
        """Spend one token of ``client``'s; returns 0, or the seconds until one is free."""
        if not self.rate:
            return 0
        per_second = self.rate / 60
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.pop(client, (self.rate, now))
            tokens = min(self.rate, tokens + (now - then) * per_second)
            if tokens >= 1:
                tokens -= 1
                wait = 0
            else:
                wait = math.ceil((1 - tokens) / per_second)
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > self.max_clients:
                self._prune(now, per_second)
            return wait

    def _prune(self, now, per_second):
        full = [c for c, (t, then) in self._buckets.items()
                if t + (now - then) * per_second >= self.rate]
        for client in full or [next(iter(self._buckets))]:
            del self._buckets[client]


class Busy(Exception):
    """No recognition slot came free within the wait."""


class Gate:
    """At most ``size`` holders at once; :meth:`slot` waits up to ``wait`` seconds."""

    def __init__(self, size, wait):
        self.wait = wait
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def slot(self, deadline=None):
        """Hold one slot for the ``with`` block; raises :class:`Busy` when none frees in
        time (in ``wait`` seconds, or before ``deadline``, a ``time.monotonic()`` value)."""
        wait = self.wait
        if deadline is not None:
            wait = max(0.0, min(wait, deadline - time.monotonic()))
        if not self._slots.acquire(timeout=wait):
            raise Busy(f"all recognition slots stayed busy for {wait:.2f} s")
        try:
            yield
        finally:
            self._slots.release()
