"""How often two strokes cross, or touch, inside one digit and between two digits: the
data behind ``SegmentConfig.cross_penalty`` and ``touch_penalty``.

    python -m training.crossings [--data DIR] [--split dev] [--seeds 0 1] [--count 200]
                                 [--reach 0.03 0.05 0.08]

Numbers are composed from the writers of ``--split`` (``training.compose``); for every
pair of their strokes, ``segmentation.geometry.crossing_pieces`` says whether they cross,
and the composer says whether they belong to one digit (a stroke two joined digits share
counts as one digit's). Printed per source and scenario: pairs of one digit and how many
cross, pairs of two digits and how many cross; then, of the pairs that do not cross, the
share that touch (``segmentation.geometry.touching_pieces``: an end of one within
``--reach`` digit heights of the other's ink), of one digit and of two.
"""
import argparse
import sys

import numpy as np

from segmentation.geometry import crossing_pieces, touching_pieces
from segmentation.pieces import digit_height

SCENARIOS = ("clean", "tight", "delayed")


def census(samples, reaches=()):
    """(pairs of one digit, of them crossing, pairs of two digits, of them crossing) over
    composed ``samples``, and per reach in ``reaches`` (x digit height) the pairs that do
    not cross and touch: (of one digit, of two)."""
    same = same_cross = apart = apart_cross = 0
    touch = {r: [0, 0] for r in reaches}
    for s in samples:
        owner = {}
        for d, strokes in enumerate(s.digit_strokes):
            for i in strokes:
                owner.setdefault(i, set()).add(d)
        n = len(s.strokes)
        a, b = crossing_pieces([st[:, :2] for st in s.strokes], list(range(n)))
        crossing = set(zip(a.tolist(), b.tolist()))
        height = digit_height([np.asarray(st, np.float64) for st in s.strokes])
        for r in reaches:
            ta, tb = touching_pieces([st[:, :2] for st in s.strokes], list(range(n)),
                                     r * height)
            for i, j in zip(ta.tolist(), tb.tolist()):
                if (i, j) not in crossing:
                    touch[r][0 if owner[i] & owner[j] else 1] += 1
        for i in range(n):
            for j in range(i + 1, n):
                together = bool(owner[i] & owner[j])
                same += together
                apart += not together
                same_cross += together and (i, j) in crossing
                apart_cross += (not together) and (i, j) in crossing
    return same, same_cross, apart, apart_cross, touch


def main(argv=None):
    from training.compose import SOURCES, generate, load_bank
    from training.data import data_dir

    parser = argparse.ArgumentParser(prog="python -m training.crossings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--count", type=int, default=200, help="numbers per scenario and seed")
    parser.add_argument("--reach", type=float, nargs="*", default=[0.03, 0.05, 0.08],
                        help="touching: an end within this many digit heights of the ink")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    head = "".join(f"  touch@{r:g}: one / two" for r in args.reach)
    print("source     scenario  one digit: pairs  crossing     two digits: pairs  crossing"
          + head)
    for src in SOURCES:
        bank = load_bank(data, src, args.split)
        for name in SCENARIOS:
            samples = [s for seed in args.seeds for s in generate(name, args.count, seed, bank)]
            same, same_cross, apart, apart_cross, touch = census(samples, args.reach)
            share = lambda k, n: f"{k:>5} ({100 * k / max(n, 1):4.1f}%)"  # noqa: E731
            pct = lambda k, n: f"{100 * k / max(n, 1):4.1f}%"  # noqa: E731
            touches = "".join(f"  {pct(one, same - same_cross):>10} / "
                              f"{pct(two, apart - apart_cross):>5}"
                              for one, two in touch.values())
            print(f"{src:<10} {name:<9} {same:>16} {share(same_cross, same)} "
                  f"{apart:>18} {share(apart_cross, apart)}{touches}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
