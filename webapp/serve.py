"""``inkdigits serve``: the app under waitress, the model loaded before the first request;
``--workers N`` (N > 1) runs N gunicorn worker processes instead (``webapp.workers``).

The server settings are chosen so that no client, and no crowd of idle ones, can lock the
others out: many connections are allowed (idle ones cost a file descriptor, not a thread),
idle ones are closed after ``--channel-timeout`` seconds, there are many more threads than
recognition slots (so a request waits in the app, where ``--queue-wait`` bounds the wait,
rather than unseen in waitress' task queue, and health checks are answered while drawings
are read), and waitress reads one request ahead so the app can tell when a client has hung
up. Measured with ``python -m benchmarks.server_load``: with 8 threads, 128 clients waited
~6 s in waitress' queue before the app could turn them away.
"""
import logging
import os
import sys
import threading
import time

QUEUE_LOGGER = "waitress.queue"


def app_config(s):
    """The app config keys that the ``inkdigits serve`` options ``s`` set."""
    from webapp.security import DEFAULT_ALLOWED_HOSTS

    return {"MAX_RECOGNITIONS": s.recognitions, "QUEUE_WAIT_S": s.queue_wait,
            "REQUEST_DEADLINE_S": s.request_deadline,
            "SAMPLES_PER_MINUTE": s.samples_per_minute, "MAX_STORE_BYTES": s.max_store_mb << 20,
            "ALLOWED_HOSTS": [*DEFAULT_ALLOWED_HOSTS, *s.allowed_hosts]}


def waitress_options(s, max_content_length):
    """Keyword arguments for ``waitress.serve`` from the ``inkdigits serve`` options ``s``."""
    return {
        "threads": s.threads, "connection_limit": s.connection_limit,
        "channel_timeout": s.channel_timeout, "backlog": s.backlog,
        "cleanup_interval": max(1, min(30, int(s.channel_timeout / 2))),
        "asyncore_use_poll": True,        # select() stops at 1024 descriptors
        "channel_request_lookahead": 1,   # gives the app waitress.client_disconnected
        # waitress reads a body before the app sees it: bound that, well above the app's
        # own limit, so bodies between the two still get the app's JSON 413.
        "max_request_body_size": max(16 * max_content_length, 16 << 20),
        "ident": "inkdigits", "_quiet": True,
    }


class RateLimitFilter(logging.Filter):
    """Pass one record per ``interval`` seconds; the next one passed says how many were
    dropped. For waitress' "Task queue depth" warning, logged once per queued request."""

    def __init__(self, interval=10.0, clock=time.monotonic):
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._next = float("-inf")
        self._dropped = 0
        self._lock = threading.Lock()

    def filter(self, record):
        with self._lock:
            now = self.clock()
            if now < self._next:
                self._dropped += 1
                return False
            self._next = now + self.interval
            dropped, self._dropped = self._dropped, 0
        if dropped:
            record.msg = f"{record.msg} ({dropped} more like it in the last {self.interval:g} s)"
        return True


def main(args):
    """Load the model, print the URL, serve until interrupted (args: see ``inkdigits serve -h``)."""
    config = {"MODEL_PATH": args.model, **app_config(args)}
    if args.database:
        config["DATABASE"] = args.database
    if args.workers > 1:
        from webapp.workers import serve_workers

        return serve_workers(args, config)
    import waitress

    from recognizer import ModelError
    from webapp import create_app, db, observe

    started = time.monotonic()
    try:
        app = create_app(config)
    except ModelError as e:
        print(f"inkdigits serve: {e}", flush=True)
        return 2
    model = app.extensions["inkdigits"]["model"]["version"]
    print(f"inkdigits: model {model} loaded in {time.monotonic() - started:.1f} s (pid "
          f"{os.getpid()}); database {db.describe(app.config['DATABASE'])}", flush=True)
    print(f"inkdigits: serving on http://{url_host(args.host)}:{args.port}/ "
          f"({args.threads} threads, {args.recognitions} recognitions at once, "
          f"{args.connection_limit} connections)", flush=True)
    logging.getLogger(QUEUE_LOGGER).addFilter(RateLimitFilter())
    observe.log_to(sys.stdout)
    waitress.serve(app, host=args.host, port=args.port,
                   **waitress_options(args, app.config["MAX_CONTENT_LENGTH"]))
    return 0


def url_host(host):
    """``host`` as it goes in a URL for the banner (a wildcard address: localhost)."""
    if host in ("0.0.0.0", "::", ""):
        return "localhost"
    return f"[{host}]" if ":" in host else host
