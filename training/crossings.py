"""How often two strokes cross inside one digit and between two digits: the data behind
``SegmentConfig.cross_penalty``.

    python -m training.crossings [--data DIR] [--split dev] [--seeds 0 1] [--count 200]

Numbers are composed from the writers of ``--split`` (``training.compose``); for every
pair of their strokes, ``segmentation.geometry.crossing_pieces`` says whether they cross,
and the composer says whether they belong to one digit (a stroke two joined digits share
counts as one digit's). Printed per source and scenario: pairs of one digit and how many
cross, pairs of two digits and how many cross.
"""
import argparse
import sys

from segmentation.geometry import crossing_pieces

SCENARIOS = ("clean", "tight", "delayed")


def census(samples):
    """(pairs of one digit, of them crossing, pairs of two digits, of them crossing) over
    composed ``samples``."""
    same = same_cross = apart = apart_cross = 0
    for s in samples:
        owner = {}
        for d, strokes in enumerate(s.digit_strokes):
            for i in strokes:
                owner.setdefault(i, set()).add(d)
        n = len(s.strokes)
        a, b = crossing_pieces([st[:, :2] for st in s.strokes], list(range(n)))
        crossing = set(zip(a.tolist(), b.tolist()))
        for i in range(n):
            for j in range(i + 1, n):
                together = bool(owner[i] & owner[j])
                same += together
                apart += not together
                same_cross += together and (i, j) in crossing
                apart_cross += (not together) and (i, j) in crossing
    return same, same_cross, apart, apart_cross


def main(argv=None):
    from training.compose import SOURCES, generate, load_bank
    from training.data import data_dir

    parser = argparse.ArgumentParser(prog="python -m training.crossings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--count", type=int, default=200, help="numbers per scenario and seed")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    print("source     scenario  one digit: pairs  crossing     two digits: pairs  crossing")
    for src in SOURCES:
        bank = load_bank(data, src, args.split)
        for name in SCENARIOS:
            samples = [s for seed in args.seeds for s in generate(name, args.count, seed, bank)]
            same, same_cross, apart, apart_cross = census(samples)
            share = lambda k, n: f"{k:>5} ({100 * k / max(n, 1):4.1f}%)"  # noqa: E731
            print(f"{src:<10} {name:<9} {same:>16} {share(same_cross, same)} "
                  f"{apart:>18} {share(apart_cross, apart)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
