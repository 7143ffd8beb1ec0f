"""How often each digit's pen path shows a feature, on the training writers.

``python -m training.pen_evidence [--data DIR]`` prints the tables that
``segmentation.grouping`` holds as ``LOOP_RATES``, ``RISE_RATES`` and ``LEFT_RATES``: the
share of each digit's pen samples with a stroke crossing itself in the top half
(``segmentation.geometry.loops_at_top``), with a first stroke that climbs before its top
(``starts_rising``), and with one that starts leftward (``starts_leftward``).
Segmentation uses them as evidence for doubtful digits.
"""
import argparse

import numpy as np

from segmentation.geometry import loops_at_top, starts_leftward, starts_rising
from training.pendigits import load_pendigits, split_writers

FEATURES = {"LOOP_RATES": loops_at_top, "RISE_RATES": starts_rising,
            "LEFT_RATES": starts_leftward}


def feature_rates(digits, feature):
    """(10,) share of ``digits`` (PenDigit) of each label whose strokes show ``feature``,
    with one sample of each kind added (Laplace): never seen is not impossible."""
    hits, counts = np.zeros(10), np.zeros(10)
    for d in digits:
        counts[d.label] += 1
        hits[d.label] += feature(d.strokes)
    return (hits + 1) / (counts + 2)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    args = p.parse_args(argv)
    train, _ = split_writers(load_pendigits(args.data))
    print(f"{len(train)} pen digits of the training writers")
    for name, feature in FEATURES.items():
        rates = feature_rates(train, feature)
        print(f"{name} = (" + ", ".join(f"{r:.3f}" for r in rates) + ")")


if __name__ == "__main__":
    main()
