"""SIGKILL check of the corrections store: nothing acknowledged is lost or duplicated.

    python -m benchmarks.server_sigkill [--kills 5] [--clients 4] [--life 2] [--seed 0]
                                        [--model PATH] [--serve-args "..."] [--tree DIR]

Serves ``inkdigits serve`` on a free 127.0.0.1 port; ``--clients`` threads POST samples to
/api/samples back to back, each with its own idempotency key (``key``) and a label that
names it. At a random moment (0.3 to ``--life`` s after the server is ready) it is killed
with SIGKILL and started again, ``--kills`` times. A sample whose answer never came (the
connection broke) is sent again, with the same key, after the restart; after the last
restart every one is retried until answered. Then the server stops, ``inkdigits samples
export`` writes the store out, and the check counts: acknowledged (answered 201 or 200),
stored (rows in the database), exported (lines), lost (acknowledged, not exported) and
duplicated (exported more than once). Exits 1 unless nothing is lost or duplicated and
stored == exported == acknowledged. ``--tree`` serves another source tree (an older
checkout, for before/after figures; pass ``--serve-args ""`` to it).
"""
import argparse
import http.client
import json
import random
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from benchmarks.loopback import HOST, Server, six_digit_ink


class Ledger:
    """The samples the clients made, and what the server said about each."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.made = 0
        self.acked = {}       # label -> id
        self.pending = []     # labels sent, never answered: to retry with the same key
        self.keys = {}        # label -> key
        self.retried = 0          # retry attempts (one sample may need several)
        self.retried_stored = 0   # retries the server answered 200: stored before the kill
        self.refused = Counter()  # other statuses

    def next(self, new_ones):
        """``(label, key, retry)`` of the next sample to send, or None."""
        with self.lock:
            if self.pending:
                label = self.pending.pop()
                self.retried += 1
                return label, self.keys[label], True
            if not new_ones:
                return None
            self.made += 1
            label = f"1{self.made:07d}"
            self.keys[label] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            return label, self.keys[label], False

    def answer(self, label, status, body, retry):
        with self.lock:
            if status in (200, 201):
                self.acked[label] = body["id"]
                self.retried_stored += retry and status == 200
            else:
                if status is not None:
                    self.refused[status] += 1
                self.pending.append(label)


def client(port, ledger, up, running, new_ones, ink):
    """Send samples while ``running``; wait while the server is down (``up`` cleared)."""
    while running.is_set():
        if not up.wait(0.1):
            continue
        item = ledger.next(new_ones.is_set())
        if item is None:
            time.sleep(0.05)
            continue
        label, key, retry = item
        body = json.dumps({"strokes": ink, "label": label, "key": key})
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        status, answer = None, None
        try:
            conn.request("POST", "/api/samples", body=body,
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            status, answer = response.status, json.loads(response.read() or b"null")
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            conn.close()
        ledger.answer(label, status, answer, retry)


def exported(database, out, tree, env):
    """The labels in ``inkdigits samples export`` of ``database``, as written."""
    subprocess.run([sys.executable, "-m", "inkdigits.cli", "samples", "export", "--database",
                    str(database), "--out", str(out)], check=True, cwd=tree, env=env,
                   capture_output=True)
    lines = (out / "samples.jsonl").read_text().splitlines()
    return [json.loads(line)["label"] for line in lines]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server_sigkill",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--life", type=float, default=2.0,
                        help="most seconds the server runs before each SIGKILL")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="model file (default: the shipped one)")
    parser.add_argument("--serve-args", default="--samples-per-minute 0",
                        help="extra `inkdigits serve` options (default: no rate limit, "
                             "as all clients share 127.0.0.1)")
    parser.add_argument("--tree", default=None, help="source tree to serve (default: this one)")
    args = parser.parse_args(argv)

    ledger = Ledger(args.seed)
    rng = random.Random(args.seed + 1)
    ink = six_digit_ink()
    with tempfile.TemporaryDirectory(prefix="inkdigits-sigkill-") as tmp:
        tmp = Path(tmp)
        database = tmp / "store" / "s.sqlite"
        server = Server(database, tmp / "server.log", args.model,
                        shlex.split(args.serve_args), args.tree)
        up, running, new_ones = threading.Event(), threading.Event(), threading.Event()
        running.set()
        new_ones.set()
        threads = [threading.Thread(target=client,
                                    args=(server.port, ledger, up, running, new_ones, ink))
                   for _ in range(args.clients)]
        for t in threads:
            t.start()
        try:
            for _ in range(args.kills):
                server.start()
                up.set()
                time.sleep(rng.uniform(0.3, max(0.3, args.life)))
                up.clear()                    # no new requests; those in flight break
                server.kill()
                print(f"killed with SIGKILL after {len(ledger.acked)} acknowledged, "
                      f"{len(ledger.pending)} unanswered", flush=True)
            new_ones.clear()                  # last life: only retries
            server.start()
            up.set()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and (ledger.pending or len(ledger.acked)
                                                   < ledger.made):
                time.sleep(0.1)
        except RuntimeError as e:
            print(f"benchmarks.server_sigkill: {e}\n{server.log_text()[-2000:]}",
                  file=sys.stderr)
            return 2
        finally:
            running.clear()
            for t in threads:
                t.join()
            server.stop()
        conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        stored = conn.execute("SELECT COUNT(*) FROM sample").fetchone()[0]
        conn.close()
        labels = Counter(exported(database, tmp / "export", server.tree, server.env))
    lost = [label for label in ledger.acked if label not in labels]
    duplicated = sum(n - 1 for n in labels.values() if n > 1)
    total = sum(labels.values())
    print(f"samples made: {ledger.made}; kills: {args.kills}; retry attempts: {ledger.retried} "
          f"({ledger.retried_stored} found their sample stored before the kill: answered 200)")
    print(f"acknowledged: {len(ledger.acked)}, stored: {stored}, exported: {total} "
          f"({len(labels)} distinct)")
    print(f"lost: {len(lost)}, duplicated: {duplicated}, other answers: "
          f"{dict(ledger.refused) or 'none'}")
    ok = not lost and not duplicated and stored == total == len(ledger.acked)
    print(f"every acknowledged sample stored and exported exactly once: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
