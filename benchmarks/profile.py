"""Cost of a writer's profile: ``recognize`` with a 200-sample profile, and ``learn``.

    python -m benchmarks.profile [--model PATH] [--data DIR] [--count N] [--repeat R]

A profile is filled by ``learn`` on 6-digit numbers of one dev writer (each call
timed) until it holds 200 samples (20 of each digit, its bound). Then ``count`` other
numbers of that writer are read without and with the profile, in alternation, ``repeat``
times each; a drawing's latency is its median, and the figures are p10/p50/p90 over
drawings. The extra cost is taken per drawing (with - without) before the percentiles.
Targets: recognize adds <= 1 ms p50; learn <= 50 ms p50.
"""
import argparse
import sys
import time

import numpy as np

ADD_TARGET_MS = 1.0
LEARN_TARGET_MS = 50.0
DIGITS = 6


def fill(rec, profile, drawings, want):
    """``learn`` each drawing until ``profile`` holds ``want`` samples; seconds per call."""
    seconds = []
    for s in drawings:
        if len(profile) >= want:
            break
        start = time.perf_counter()
        rec.learn(profile, s.strokes, s.text)
        seconds.append(time.perf_counter() - start)
    return np.array(seconds)


def measure(rec, profile, drawings, repeat):
    """(drawings, 2) median seconds of each drawing read without and with ``profile``."""
    for s in drawings:
        rec.recognize(s.strokes)
        rec.recognize(s.strokes, profile=profile)
    out = np.zeros((len(drawings), repeat, 2))
    for r in range(repeat):
        for i, s in enumerate(drawings):
            for j, p in enumerate((None, profile)):
                start = time.perf_counter()
                rec.recognize(s.strokes, profile=p)
                out[i, r, j] = time.perf_counter() - start
    return np.median(out, axis=1)


def spread(ms):
    """'p10 / p50 / p90' of an array of milliseconds."""
    return " / ".join(f"{np.percentile(ms, q):7.2f}" for q in (10, 50, 90))


def report(learn_s, times, profile):
    """The table: learn, recognize without and with, the per-drawing extra cost."""
    ms = 1e3 * times
    extra = ms[:, 1] - ms[:, 0]
    lines = [f"profile: {len(profile)} samples from {profile.corrections} corrections, "
             f"{len(profile.to_bytes())} bytes; {len(times)} drawings ({DIGITS} digits)",
             f"{'ms':<28} {'p10':>7} / {'p50':>7} / {'p90':>7}",
             f"{'learn (one correction)':<28} {spread(1e3 * learn_s)}",
             f"{'recognize, no profile':<28} {spread(ms[:, 0])}",
             f"{'recognize, 200-sample':<28} {spread(ms[:, 1])}",
             f"{'added by the profile':<28} {spread(extra)}"]
    add, learn = np.percentile(extra, 50), 1e3 * np.percentile(learn_s, 50)
    lines.append(f"target: profile adds <= {ADD_TARGET_MS:.0f} ms p50: "
                 f"{'met' if add <= ADD_TARGET_MS else 'NOT met'} ({add:.2f} ms)")
    lines.append(f"target: learn <= {LEARN_TARGET_MS:.0f} ms p50: "
                 f"{'met' if learn <= LEARN_TARGET_MS else 'NOT met'} ({learn:.1f} ms)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model file (default: the shipped model)")
    parser.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    parser.add_argument("--writer", type=int, default=26, help="a dev pendigits writer")
    parser.add_argument("--count", type=int, default=30, help="drawings read")
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per drawing")
    parser.add_argument("--samples", type=int, default=200, help="profile size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from recognizer import ModelError, NumberRecognizer, Profile
    from training.compose import compose, load_bank
    from training.data import DataError

    try:
        bank = load_bank(args.data)
        if args.writer not in bank:
            raise ValueError(f"writer {args.writer} is not a dev pendigits writer "
                             f"({', '.join(map(str, sorted(bank)))})")
        rng = np.random.default_rng(args.seed)
        mine = {args.writer: bank[args.writer]}
        lessons = [compose(mine, "clean", rng, DIGITS) for _ in range(20 * args.samples)]
        drawings = [compose(mine, "clean", rng, DIGITS) for _ in range(args.count)]
        rec = NumberRecognizer.load(args.model)
        rec.recognize(drawings[0].strokes)          # load and trace before timing
        profile = Profile()
        learn_s = fill(rec, profile, lessons, args.samples)
    except (DataError, ModelError, ValueError) as exc:
        print(f"benchmarks.profile: {exc}", file=sys.stderr)
        return 2
    times = measure(rec, profile, drawings, args.repeat)
    print(f"model: {args.model or 'shipped'}, writer {args.writer}")
    print(report(learn_s, times, profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
