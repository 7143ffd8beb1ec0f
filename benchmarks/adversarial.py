"""Worst-case time and memory of ``recognize`` on adversarial ink within the limits.

    python -m benchmarks.adversarial [--repeat R] [--cap-mb MB] [--cap-s S] [--only NAME]

Each class of ink (the reproducers of issue 13, and random valid ink at the limits) is
read in a child process of its own, so one class cannot inflate another's memory: the
child loads the models, reads a small number once to warm up, notes its peak RSS, then
reads the class ``repeat`` times. The parent samples the child's RSS and kills it past
``cap-mb`` or ``cap-s`` (so the "before" figures of a grinding search stay bounded).
Printed per class: the answer (digits read, or the error), the worst time, and the peak
RSS added over the warmed-up process. Target: every accepted drawing <= 1 s and
<= +300 MB; a refused one answers as fast.
"""
import argparse
import json
import multiprocessing as mp
import os
import sys
import time

import numpy as np

TARGET_S = 1.0
TARGET_MB = 300.0


def _line_pile(n, points=2):
    """``n`` strokes of ``points`` points drawn over one another in one spot."""
    rng = np.random.default_rng(n)
    return [(rng.uniform(0, 4, (points, 2)) + 100).tolist() for _ in range(n)]


def _zigzags(n, points):
    """``n`` zig-zag strokes of ``points`` points, overlapping a neighbour each."""
    out = []
    for i in range(n):
        x = 30.0 * i + np.linspace(0, 60, points)
        y = 100 + 80 * (np.arange(points) % 2)
        out.append(np.column_stack([x, y]).tolist())
    return out


def _random_walks(n, points, width, seed=0):
    """``n`` random-walk strokes of ``points`` points scattered over ``width`` x 400 px."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        start = rng.uniform([0, 0], [width, 400])
        out.append((start + np.cumsum(rng.normal(0, 4, (points, 2)), axis=0)).tolist())
    return out


def _one_long_scribble(points):
    """One stroke of ``points`` points going back and forth over a 3-digit-wide area."""
    t = np.linspace(0, 200 * np.pi, points)
    return [np.column_stack([150 + 140 * np.sin(t / 7.3), 100 + 90 * np.sin(t)]).tolist()]


def _composed(n_digits, scenario):
    """A number of ``n_digits`` real pen digits (``training.compose``; needs the data)."""
    from training.compose import generate

    return generate(scenario, 1, seed=n_digits, n_digits=n_digits)[0].strokes


CLASSES = {
    "1000 two-point lines in one spot": lambda: _line_pile(1000),
    "500 strokes in one spot (40 points)": lambda: _line_pile(500, 40),
    "200 zig-zag strokes of 100 points": lambda: _zigzags(200, 100),
    "1000 strokes of 20 points, scattered": lambda: _random_walks(1000, 20, 4000),
    "1000 strokes of 20 points, one canvas": lambda: _random_walks(1000, 20, 800, seed=1),
    "100 strokes of 200 points, one canvas": lambda: _random_walks(100, 200, 800, seed=2),
    "one stroke of 20,000 points": lambda: _one_long_scribble(20_000),
    "300 strokes of 60 points, scattered": lambda: _random_walks(300, 60, 6000, seed=3),
    "150 strokes of 130 points, scattered": lambda: _random_walks(150, 130, 6000, seed=4),
    "80 strokes of 250 points, scattered": lambda: _random_walks(80, 250, 3000, seed=5),
    "a 60-digit number, tight": lambda: _composed(60, "tight"),
    "a 60-digit number, clean": lambda: _composed(60, "clean"),
}


SEARCHED = {
    # the largest accepted drawing of each family, found by bisection on the stroke count
    "largest accepted: strokes of 20 points": lambda n: _random_walks(n, 20, 10 * n, seed=6),
    "largest accepted: strokes of 60 points": lambda n: _random_walks(n, 60, 10 * n, seed=7),
    "largest accepted: strokes in one spot": lambda n: _line_pile(n, 20),
    "largest accepted: zig-zags of 100 points": lambda n: _zigzags(n, 100),
}


def _largest_accepted(rec, make, top=1000):
    """The ink ``make(n)`` of the largest n <= top that ``rec`` accepts (bisection)."""
    from recognizer import InvalidInk

    def accepted(n):
        try:
            rec.recognize(make(n))
            return True
        except InvalidInk:
            return False
    lo, hi = 1, top
    if accepted(hi):
        return make(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if accepted(mid) else (lo, mid)
    return make(lo)


def _rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(name, repeat, conn):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import resource

    from recognizer import InvalidInk, NumberRecognizer

    rec = NumberRecognizer.load()
    warm = [[[0, 0], [0, 100]], [[40, 0], [80, 0], [50, 100]]]
    rec.recognize(warm)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send(("warm", base))
    ink = CLASSES[name]() if name in CLASSES else _largest_accepted(rec, SEARCHED[name])
    worst, answer = 0.0, ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            answer = f"{len(ink)} strokes: read {len(rec.recognize(ink).digits)} digits"
        except InvalidInk as e:
            answer = f"InvalidInk: {str(e)[:70]}"
        worst = max(worst, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send(("done", answer, worst, max(0.0, peak - base)))


def run_class(name, repeat, cap_mb, cap_s):
    """(answer, worst seconds, peak MB added) of one class, read in a child process."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(name, repeat, child), daemon=True)
    proc.start()
    base, started, peak = None, None, 0.0
    deadline = time.monotonic() + 120          # loading the models
    while True:
        if parent.poll(0.05):
            msg = parent.recv()
            if msg[0] == "warm":
                base, started = msg[1], time.monotonic()
                deadline = started + cap_s
                continue
            proc.join()
            return msg[1], msg[2], msg[3]
        if base is not None:
            peak = max(peak, _rss_mb(proc.pid) - base)
        if not proc.is_alive() or time.monotonic() > deadline or peak > cap_mb:
            proc.kill()
            proc.join()
            took = time.monotonic() - started if started else 0.0
            why = f"killed past the cap ({cap_mb:.0f} MB / {cap_s:.0f} s)" if proc.exitcode else "died"
            return why, took, peak


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adversarial", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cap-mb", type=float, default=4000)
    parser.add_argument("--cap-s", type=float, default=60)
    parser.add_argument("--only", action="append", default=None, help="a class name's start")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = [n for n in [*CLASSES, *SEARCHED]
             if not args.only or any(n.startswith(o) for o in args.only)]
    rows = []
    print(f"{'class':<40} {'worst s':>8} {'+peak MB':>9}  answer", flush=True)
    for name in names:
        answer, seconds, mb = run_class(name, args.repeat, args.cap_mb, args.cap_s)
        rows.append({"class": name, "answer": answer, "worst_s": round(seconds, 3),
                     "peak_mb": round(mb, 1)})
        print(f"{name:<40} {seconds:>8.3f} {mb:>9.1f}  {answer}", flush=True)
    ok = all(r["worst_s"] <= TARGET_S and r["peak_mb"] <= TARGET_MB for r in rows)
    print(f"target every drawing <= {TARGET_S:.0f} s and <= +{TARGET_MB:.0f} MB: "
          f"{'met' if ok else 'NOT met'}")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
