"""``inkdigits serve`` in a subprocess on 127.0.0.1, for the server load and SIGKILL checks.

Only loopback: the server binds 127.0.0.1 on a free port; nothing else is contacted.
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
SIX_DIGITS = Path(__file__).with_name("six_digits.json")   # tests/shapes.py's "170452"
WORKER_LOADED = re.compile(r"^inkdigits: worker (\d+): model ", re.MULTILINE)


def free_port():
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def six_digit_ink():
    """The strokes of a written 6-digit number (made by ``tests/shapes.py``)."""
    return json.loads(SIX_DIGITS.read_text())["strokes"]


class Server:
    """``inkdigits serve`` on 127.0.0.1:``port`` with ``database``; ``tree`` is the source
    tree it runs from (default: this one), ``args`` extra ``serve`` options."""

    def __init__(self, database, log, model=None, args=(), tree=None, port=None):
        self.port = port or free_port()
        self.cmd = [sys.executable, "-m", "inkdigits.cli", "serve", "--host", HOST,
                    "--port", str(self.port), "--database", str(database), *args]
        if model:
            self.cmd += ["--model", str(model)]
        self.tree = str(tree or ROOT)
        path = os.pathsep.join(p for p in (self.tree, os.environ.get("PYTHONPATH")) if p)
        self.env = {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "2",
                    "PYTHONUNBUFFERED": "1"}
        self.log = Path(log)
        self.proc = None

    def start(self, timeout=180):
        """Start it and wait until /api/health answers 200; returns seconds taken."""
        started = time.monotonic()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, cwd=self.tree)
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log}")
            if self.health()[0] == 200:
                return time.monotonic() - started
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server not ready after {timeout} s; see {self.log}")

    def worker_pids(self):
        """Pids of the workers that have loaded their models (``--workers N``: each logs
        "inkdigits: worker PID: model ..."), in the order they did; [] for waitress."""
        return [int(m) for m in WORKER_LOADED.findall(self.log_text())]

    def wait_for_workers(self, count, timeout=180):
        """Wait until ``count`` workers have loaded their models; returns their pids."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            pids = self.worker_pids()
            if len(pids) >= count:
                return pids
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log}")
            time.sleep(0.1)
        raise RuntimeError(f"{count} workers not loaded after {timeout} s; see {self.log}")

    def health(self, timeout=2):
        """``(status, seconds)`` of GET /api/health; status None on a connection failure."""
        started = time.monotonic()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", "/api/health")
            status = conn.getresponse().status
        except (OSError, http.client.HTTPException):
            status = None
        finally:
            conn.close()
        return status, time.monotonic() - started

    def kill(self):
        """SIGKILL: no clean-up of any kind, as a crash or the OOM killer would."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        """SIGTERM, then SIGKILL after 10 s."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""
