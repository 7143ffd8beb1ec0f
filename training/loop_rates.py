"""How often each digit's pen ink loops at the top, on the training writers.

``python -m training.loop_rates [--data DIR]`` prints the table that
``segmentation.grouping.LOOP_RATES`` holds: the share of each digit's pen samples with a
stroke crossing itself in the top half (``segmentation.geometry.loops_at_top``).
"""
import argparse

import numpy as np

from segmentation.geometry import loops_at_top
from training.pendigits import load_pendigits, split_writers


def loop_rates(digits):
    """(10,) share of ``digits`` (PenDigit) of each label that loop at the top."""
    hits, counts = np.zeros(10), np.zeros(10)
    for d in digits:
        counts[d.label] += 1
        hits[d.label] += loops_at_top(d.strokes)
    return hits / np.maximum(counts, 1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    args = p.parse_args(argv)
    train, _ = split_writers(load_pendigits(args.data))
    rates = loop_rates(train)
    print(f"{len(train)} pen digits of the training writers")
    print("LOOP_RATES = (" + ", ".join(f"{r:.3f}" for r in rates) + ")")


if __name__ == "__main__":
    main()
