"""p50 latency of ``NumberRecognizer.classify`` against ``model.predict`` on the same crops.

    python -m benchmarks.classify [--model PATH] [--data DIR] [--repeat N]

The two calls are timed in alternation (the order flipping every round), so load from other
processes hits both alike. Target: classify at least 10x faster than predict at N = 6.
"""
import argparse
import sys
import time

import numpy as np

SIZES = (1, 6, 64)
TARGET_N, TARGET_RATIO = 6, 10.0


def load_crops(data, n):
    """(n, 28, 28) uint8 crops: the first MNIST test images, else seeded random pixels."""
    from training.data import DataError, data_dir, load_mnist

    if data is not None or data_dir() is not None:
        try:
            return load_mnist(data, "test")[0][:n], "MNIST test"
        except DataError as exc:
            print(f"no MNIST ({exc}); using random crops", file=sys.stderr)
    return np.random.default_rng(0).integers(0, 256, (n, 28, 28), dtype=np.uint8), "random"


def p50_interleaved(fns, repeat, warmup=3):
    """Median seconds per call of each function in ``fns``, timed in alternating order."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    times = [[] for _ in fns]
    for r in range(repeat):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            start = time.perf_counter()
            fns[i]()
            times[i].append(time.perf_counter() - start)
    return [float(np.median(t)) for t in times]


def bench(recognizer, crops, repeat):
    """Rows of (N, classify p50 s, predict p50 s) for each batch size in ``SIZES``."""
    model = recognizer.classifier.model
    rows = []
    for n in SIZES:
        x = crops[:n]
        classify = lambda: recognizer.classify(x)  # noqa: E731
        # the conversion is part of what a predict-based caller has to do too
        predict = lambda: model.predict(x[..., None].astype(np.float32) / 255.0,  # noqa: E731
                                        verbose=0)
        np.testing.assert_allclose(classify(), predict()[:, :10], atol=1e-4)  # same work
        rows.append((n, *p50_interleaved([classify, predict], repeat)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model file (default: the shipped model)")
    parser.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per N and method")
    args = parser.parse_args(argv)

    from recognizer.classifier import ModelError, load_classifier
    from recognizer.number import NumberRecognizer

    try:   # Keras: this compares its traced call with model.predict (LiteRT: benchmarks.runtime)
        recognizer = NumberRecognizer(args.model, classifier=load_classifier(args.model,
                                                                             runtime="keras"))
    except ModelError as exc:
        print(f"benchmarks.classify: {exc}", file=sys.stderr)
        return 2
    crops, source = load_crops(args.data, max(SIZES))
    rows = bench(recognizer, crops, args.repeat)
    print(f"model: {args.model or 'shipped'}; crops: {source}; p50 of {args.repeat} calls each")
    print(f"{'N':>4} {'classify ms':>12} {'predict ms':>11} {'speed-up':>9}")
    for n, t_classify, t_predict in rows:
        print(f"{n:>4} {1e3 * t_classify:>12.2f} {1e3 * t_predict:>11.2f} "
              f"{t_predict / t_classify:>8.1f}x")
    ratio = {n: p / c for n, c, p in rows}[TARGET_N]
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"target >= {TARGET_RATIO:.0f}x at N={TARGET_N}: {verdict} ({ratio:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
