"""How often a digit of the training writers holds two "bars": the data behind
``SegmentConfig.strokes_tall``, ``strokes_narrow`` and ``bars_penalty``.

    python -m training.bars [--data DIR] [--tall 0.7] [--narrow 0.3]

A bar is a whole stroke at least ``tall`` of the digit's height and at most ``narrow`` of
it wide, with the digit's writing set upright (``segmentation.geometry``'s slant). Two
1s written close together are two bars, and their crop looks like one thick 1 to the
CNN; if no single digit is ever drawn with two bars, a group of two can be charged for
them. Printed per source (``train`` writers only): digits of two or more strokes, how
many hold two bars (by label), and the share of one-stroke 1s that are a bar.
"""
import argparse
import sys
from collections import Counter

import numpy as np

from segmentation.config import DEFAULT_CONFIG
from segmentation.geometry import slant_of, upright


def bars(strokes, tall, narrow):
    """The number of bars among ``strokes`` ((N, 2+) arrays of one digit)."""
    parts = [np.asarray(s, np.float64)[:, :2] for s in strokes if len(s)]
    height = np.ptp(np.concatenate(parts)[:, 1])
    if height <= 0:
        return 0
    slant = slant_of(parts)
    count = 0
    for p in parts:
        u = upright(p, slant)
        count += bool(np.ptp(u[:, 1]) >= tall * height and np.ptp(u[:, 0]) <= narrow * height)
    return count


def census(digits, tall, narrow):
    """(digits of 2+ strokes, Counter of labels of those with 2+ bars, one-stroke 1s,
    of which bars)."""
    multi, two_bars, ones, one_bars = 0, Counter(), 0, 0
    for d in digits:
        n = bars(d.strokes, tall, narrow)
        if len(d.strokes) >= 2:
            multi += 1
            if n >= 2:
                two_bars[d.label] += 1
        elif d.label == 1:
            ones += 1
            one_bars += n
    return multi, two_bars, ones, one_bars


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m training.bars", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    parser.add_argument("--tall", type=float, default=DEFAULT_CONFIG.strokes_tall)
    parser.add_argument("--narrow", type=float, default=DEFAULT_CONFIG.strokes_narrow)
    args = parser.parse_args(argv)

    from training.compose import SOURCES, load_digits
    from training.data import DataError
    from training.splits import select

    print(f"bars: whole strokes >= {args.tall} of the digit's height, <= {args.narrow} wide")
    for source in SOURCES:
        try:
            digits = select(load_digits(args.data, source), "train")
        except DataError as exc:
            print(f"python -m training.bars: {exc}", file=sys.stderr)
            return 2
        multi, two_bars, ones, one_bars = census(digits, args.tall, args.narrow)
        labels = ", ".join(f"{k}: {v}" for k, v in sorted(two_bars.items())) or "none"
        print(f"{source} train: {multi} digits of 2+ strokes, {sum(two_bars.values())} with two "
              f"bars ({labels}); {one_bars} of {ones} one-stroke 1s are a bar")
    return 0


if __name__ == "__main__":
    sys.exit(main())
