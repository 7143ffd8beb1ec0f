"""``inkdigits serve --workers N``: N gunicorn worker processes behind one port (Linux, macOS).

This process becomes gunicorn's master: it binds the socket, forks the workers, restarts
any that dies and never builds the app nor loads a model. Each worker builds its own app
(models included) after the fork (``preload_app`` off), so no TensorFlow or LiteRT state
crosses a fork and a worker's crash loses only its own requests. Every piece of state a
request needs is in the database, or per worker by design: the recognition slots
(``--recognitions`` per worker) and the samples rate limit (``--samples-per-minute`` per
client per worker).

Workers are gunicorn's ``gthread`` workers: ``--threads`` threads each; idle keep-alive
connections wait in the worker's poller, not in a thread, and are closed after
``--channel-timeout`` seconds (a new connection holds a thread for up to 5 s, gunicorn's
wait for its first bytes, before it is parked there too). Each worker's LiteRT models use ``cores / N`` threads
(``INKDIGITS_THREADS``, unless set), so N workers do not fight over the cores.

Metrics: the master makes a fresh folder for prometheus_client's multiprocess mode and
names it in ``PROMETHEUS_MULTIPROC_DIR`` before any worker starts; a dead worker's
in-flight gauge is dropped, and the folder is removed when the master exits.
"""
import math
import os
import shutil
import sys
import tempfile
import time

from webapp.observe import MULTIPROC_ENV

BOOT_ERROR = 3   # gunicorn's WORKER_BOOT_ERROR: the master stops instead of respawning


def gunicorn_options(s):
    """gunicorn settings from the ``inkdigits serve`` options ``s``."""
    host = f"[{s.host}]" if ":" in s.host else s.host
    return {
        "bind": [f"{host}:{s.port}"], "workers": s.workers,
        "worker_class": "gthread", "threads": s.threads,
        "worker_connections": s.connection_limit,        # per worker
        "keepalive": max(1, math.ceil(s.channel_timeout)),
        "backlog": s.backlog,
        "preload_app": False,          # the models are loaded in each worker, after the fork
        "timeout": 30,                 # a worker silent this long is killed and replaced
        "graceful_timeout": 10,
        "accesslog": None,             # webapp.observe writes one JSON line a request
        "errorlog": "-", "loglevel": "warning", "proc_name": "inkdigits",
        "control_socket_disable": True,   # gunicorn >= 25 would open ~/.gunicorn/gunicorn.ctl
        # heartbeat files in memory: /tmp may be a slow overlay in a container
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }


def serve_workers(args, app_config):
    """Run gunicorn until it is stopped; returns the exit status."""
    if sys.platform == "win32":
        print("inkdigits serve: --workers needs gunicorn, which does not run on Windows; "
              "serve one process (the default, waitress)", flush=True)
        return 2
    metrics_dir = tempfile.mkdtemp(prefix="inkdigits-metrics-")
    os.environ[MULTIPROC_ENV] = metrics_dir        # inherited by every worker
    os.environ.setdefault("INKDIGITS_THREADS", str(max(1, (os.cpu_count() or 1) // args.workers)))
    hooks = {"when_ready": _banner(args), "child_exit": _child_exit,
             "on_exit": lambda server: shutil.rmtree(metrics_dir, ignore_errors=True)}
    from gunicorn.errors import HaltServer

    try:
        _application({**gunicorn_options(args), **hooks}, app_config).run()
    except SystemExit as e:           # gunicorn's master exits through sys.exit
        return e.code if isinstance(e.code, int) else 1
    except HaltServer as e:           # a second worker failing to boot while the master
        return e.exit_status          # halts for the first escapes gunicorn's own handler
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def build_worker_app(config):
    """The app of one worker, built after the fork; prints the worker's pid and load time."""
    from recognizer import ModelError
    from webapp import create_app, db, observe

    started = time.monotonic()
    try:
        app = create_app(config)
    except ModelError as e:
        print(f"inkdigits serve: worker {os.getpid()}: {e}", flush=True)
        sys.exit(BOOT_ERROR)
    observe.log_to(sys.stdout)
    model = app.extensions["inkdigits"]["model"]["version"]
    print(f"inkdigits: worker {os.getpid()}: model {model} loaded in "
          f"{time.monotonic() - started:.1f} s; database {db.describe(app.config['DATABASE'])}",
          flush=True)
    return app


def _application(options, app_config):
    from gunicorn.app.base import BaseApplication

    class Workers(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings and value is not None:   # older gunicorns
                    self.cfg.set(key, value)

        def load(self):
            return build_worker_app(app_config)

    return Workers()


def _banner(args):
    def when_ready(server):
        from webapp.serve import url_host

        print(f"inkdigits: serving on http://{url_host(args.host)}:{args.port}/ (gunicorn "
              f"master {os.getpid()}: {args.workers} workers x {args.threads} threads, "
              f"{args.recognitions} recognitions at once each)", flush=True)
    return when_ready


def _child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
