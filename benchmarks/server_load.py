"""Loopback load check of ``inkdigits serve``: idle connections plus active clients.

    python -m benchmarks.server_load [--idle 200] [--active 16] [--seconds 30] [--ink number]
                                     [--workers N] [--model PATH] [--serve-args "..."]
                                     [--tree DIR]
    python -m benchmarks.server_load --workers 1,2 --clients 1,8,32 --idle 0 --seconds 10

The second form is the throughput table: for each ``--workers`` count it starts one server
(``inkdigits serve --workers N``; 1 is waitress in one process), waits until every worker
has loaded its models, warms them up for ``--warmup`` seconds, then runs each ``--clients``
count for ``--seconds`` and prints requests/s, p50/p95/p99, errors, and each process'
memory after the run (RSS, its peak, and PSS, which splits pages the workers share).

Starts ``inkdigits serve`` on a free 127.0.0.1 port, opens ``--idle`` connections that send
nothing (each reopened at once when the server closes it, so that many stay open the whole
time), then runs ``--active`` clients that each POST a drawing to /api/recognize over a
keep-alive connection, back to back, for ``--seconds``; a prober GETs /api/health every
0.2 s. ``--ink number`` is a written 6-digit number (``six_digits.json``); ``--ink heavy`` is
200 zig-zag strokes of 100 points, the adversarial class of issue 13. Prints the active
requests' p50/p99/max, their statuses, errors (a connection failure or timeout, or a status
other than 200; with ``--ink heavy`` a 503 or a 422 "too complex" is a right answer, not an
error), health latency, and what the server
logged. Target: active p99 <= 1 s and 0 errors. Exits 1 when there were errors. ``--tree``
serves another source tree (e.g. an older checkout, for before/after figures).
"""
import argparse
import http.client
import json
import selectors
import shlex
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.loopback import HOST, Server, six_digit_ink

TARGET_P99_S = 1.0


def heavy_ink():
    """200 zig-zag strokes of 100 points over one spot (issue 13: 37 s and 2.5 GB before)."""
    return [[[float(10 + (j % 2) * 40 + i % 7), float(10 + j)] for j in range(100)]
            for i in range(200)]


class Idle:
    """Holds ``count`` open connections that never send a byte, reopening closed ones."""

    def __init__(self, port, count):
        self.port, self.count = port, count
        self.reopened = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _open(self, sel):
        try:
            s = socket.create_connection((HOST, self.port), timeout=5)
        except OSError:
            self.failed += 1
            return
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)

    def _run(self):
        sel = selectors.DefaultSelector()
        for _ in range(self.count):
            self._open(sel)
        while not self._stop.is_set():
            for key, _ in sel.select(timeout=0.1):
                try:
                    data = key.fileobj.recv(4096)
                except OSError:
                    data = b""
                if not data:                  # closed by the server: open another
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    self.reopened += 1
                    self._open(sel)
            while len(sel.get_map()) < self.count and not self._stop.is_set():
                self._open(sel)
        for key in list(sel.get_map().values()):
            key.fileobj.close()


def active_client(port, body, until, out, timeout):
    """POST ``body`` to /api/recognize back to back until ``until``; appends
    ``(seconds, status or error name)`` to ``out``."""
    conn = None
    while time.monotonic() < until:
        if conn is None:
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        started = time.monotonic()
        try:
            conn.request("POST", "/api/recognize", body=body,
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            status = response.status
            if status == 503 and b"recognition stopped" in data:
                status = "503 stopped"     # past the deadline, not turned away at the door
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            status = type(e).__name__
            conn.close()
            conn = None
        out.append((time.monotonic() - started, status))
    if conn is not None:
        conn.close()


def prober(server, until, out):
    while time.monotonic() < until:
        out.append(server.health(timeout=30))
        time.sleep(0.2)


def percentiles(seconds):
    if not seconds:
        return "none"
    ms = 1e3 * np.asarray(seconds)
    return (f"p50 {np.percentile(ms, 50):.0f} ms, p99 {np.percentile(ms, 99):.0f} ms, "
            f"max {ms.max():.0f} ms")


def run(args, server):
    body = json.dumps({"strokes": six_digit_ink() if args.ink == "number" else heavy_ink()})
    idle = Idle(server.port, args.idle)
    idle.start()
    time.sleep(min(2.0, 0.01 * args.idle + 0.5))     # let the idle ones connect first
    until = time.monotonic() + args.seconds
    results, probes = [], []
    threads = [threading.Thread(target=active_client,
                                args=(server.port, body, until, results, args.timeout))
               for _ in range(args.active)]
    threads.append(threading.Thread(target=prober, args=(server, until, probes)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    idle.stop()
    return idle, results, probes


def report(args, idle, results, probes, log):
    statuses = Counter(status for _, status in results)
    ok = [s for s, status in results if status == 200]
    busy = [s for s, status in results if status == 503]
    stopped = [s for s, status in results if status == "503 stopped"]
    expected = (200, 503, "503 stopped", 422) if args.ink == "heavy" else (200,)
    errors = sum(n for status, n in statuses.items() if status not in expected)
    p99 = np.percentile([s for s, _ in results], 99) if results else float("inf")
    lines = [
        f"ink: {args.ink}; {args.idle} idle connections held ({idle.reopened} reopened after "
        f"the server closed them, {idle.failed} failed to open)",
        f"active: {args.active} clients x {args.seconds:g} s: {len(results)} requests, "
        f"{len(results) / args.seconds:.1f} req/s",
        f"all requests: {percentiles([s for s, _ in results])}",
        f"200: {len(ok)}, {percentiles(ok)}",
        f"503 busy (turned away): {len(busy)}, {percentiles(busy)}",
        f"503 stopped (past the deadline): {len(stopped)}, {percentiles(stopped)}",
        "statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)),
        f"errors: {errors}",
        f"health: {len(probes)} probes, {sum(1 for s, _ in probes if s != 200)} not 200, "
        f"{percentiles([t for _, t in probes])}",
        f"server log: {log.count('Traceback')} tracebacks, "
        f"{log.count('Task queue depth')} 'Task queue depth' lines",
        f"target active p99 <= {TARGET_P99_S:g} s and 0 errors: "
        f"{'met' if p99 <= TARGET_P99_S and errors == 0 else 'NOT met'} (p99 {p99:.3f} s)",
    ]
    return "\n".join(lines), errors


def memory(pid):
    """``(rss, peak rss, pss)`` of process ``pid`` in MiB (Linux /proc); Nones elsewhere."""
    fields = {}
    try:
        for name in (f"/proc/{pid}/status", f"/proc/{pid}/smaps_rollup"):
            with open(name) as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM", "Pss"):
                        fields[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return fields.get("VmRSS"), fields.get("VmHWM"), fields.get("Pss")


def _mib(value):
    return "n/a" if value is None else f"{value:.0f}"


def table_row(workers, clients, seconds, results):
    """One markdown row: workers, clients, requests, req/s, p50/p95/p99 ms, errors."""
    ms = 1e3 * np.asarray([s for s, _ in results] or [np.nan])
    errors = sum(1 for _, status in results if status != 200)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return (f"| {workers} | {clients} | {len(results)} | {len(results) / seconds:.1f} | "
            f"{p50:.0f} | {p95:.0f} | {p99:.0f} | {errors} |"), errors


def drive(port, body, clients, seconds, timeout):
    """``clients`` keep-alive clients POSTing ``body`` for ``seconds``; their results."""
    until = time.monotonic() + seconds
    results = []
    threads = [threading.Thread(target=active_client, args=(port, body, until, results, timeout))
               for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def table(args, tmp):
    """The throughput table over ``args.workers`` x ``args.clients``; returns (text, errors)."""
    body = json.dumps({"strokes": six_digit_ink() if args.ink == "number" else heavy_ink()})
    rows = ["| workers | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|---|---|"]
    notes, errors = [], 0
    for workers in args.workers:
        folder = Path(tmp) / f"w{workers}"
        folder.mkdir()
        server = _server(args, folder, workers)
        try:
            ready = server.start()
            pids = server.wait_for_workers(workers) if workers > 1 else [server.proc.pid]
            drive(server.port, body, max(args.clients), args.warmup, args.timeout)
            for clients in args.clients:
                row, bad = table_row(workers, clients, args.seconds,
                                     drive(server.port, body, clients, args.seconds,
                                           args.timeout))
                rows.append(row)
                errors += bad
            used = [(pid, memory(pid)) for pid in pids]
            master = memory(server.proc.pid) if workers > 1 else None
        finally:
            server.stop()
        per = ", ".join(f"{_mib(rss)} (peak {_mib(hwm)}, PSS {_mib(pss)})"
                        for _, (rss, hwm, pss) in used)
        notes.append(f"{workers} worker{'s' if workers > 1 else ''} "
                     f"({'gunicorn' if workers > 1 else 'waitress, one process'}), ready in "
                     f"{ready:.1f} s: RSS per worker MiB {per}"
                     + (f"; master {_mib(master[0])}" if master else ""))
    return "\n".join(rows + [""] + notes + [f"errors: {errors}"]), errors


def _server(args, folder, workers):
    serve_args = shlex.split(args.serve_args) + (["--workers", str(workers)] if workers > 1
                                                 else [])
    return Server(folder / "s.sqlite", folder / "server.log", args.model, serve_args, args.tree)


def _counts(text):
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"a comma-separated list of counts, got {text!r}")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"counts must be at least 1, got {text!r}")
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server_load",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--active", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ink", choices=["number", "heavy"], default="number")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="client timeout per request, seconds")
    parser.add_argument("--model", default=None, help="model file (default: the shipped one)")
    parser.add_argument("--serve-args", default="", help="extra `inkdigits serve` options")
    parser.add_argument("--tree", default=None, help="source tree to serve (default: this one)")
    parser.add_argument("--workers", type=_counts, default=[1],
                        help="inkdigits serve --workers (default 1: waitress); a list, e.g. "
                             "1,2, with --clients")
    parser.add_argument("--clients", type=_counts, default=None,
                        help="the throughput table: these client counts, e.g. 1,8,32")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of load before the table's measurements")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="inkdigits-load-") as tmp:
        if args.clients is not None:
            try:
                text, errors = table(args, tmp)
            except RuntimeError as e:
                print(f"benchmarks.server_load: {e}", file=sys.stderr)
                return 2
            print(text)
            return 1 if errors else 0
        if len(args.workers) != 1:
            parser.error("several --workers counts need --clients (the table)")
        server = _server(args, Path(tmp), args.workers[0])
        try:
            ready = server.start()
            if args.workers[0] > 1:
                server.wait_for_workers(args.workers[0])
            banner = [line for line in server.log_text().splitlines() if "serving on" in line]
            print(f"server ready in {ready:.1f} s: {banner[-1] if banner else server.cmd}")
            idle, results, probes = run(args, server)
        except RuntimeError as e:
            print(f"benchmarks.server_load: {e}\n{server.log_text()[-2000:]}", file=sys.stderr)
            return 2
        finally:
            server.stop()
        text, errors = report(args, idle, results, probes, server.log_text())
    print(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
