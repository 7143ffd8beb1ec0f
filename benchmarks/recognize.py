"""Latency of ``NumberRecognizer.recognize`` on 6-digit numbers written by pendigits dev writers.

    python -m benchmarks.recognize [--model PATH] [--data DIR] [--count N] [--repeat R]
                                   [--seed S | --seeds 0-3] [--sequence-ratio]
                                   [--render-ratio]

Numbers come from ``training.compose`` (scenario ``clean`` unless told). Every drawing is
recognized once to warm up, then ``repeat`` times in rounds over all drawings; each
drawing's median is its latency, and p50/p90 are taken over drawings. The time is split
into validation + segmentation search, crop rendering, the CNN, the pen-path reader and the
sequence reader by timing the callables recognition goes through: ``score_groups``, the
classifier, ``score_paths`` (features and reader; called only for doubtful digits) and the
questions put to the sequence reader's ``opinion`` (its network, the texts' likelihoods
and its own reading; asked only when a runner-up text is near the best; the search that
groups its own reading counts as segmentation).
``--seeds 0-3`` measures each seed's drawings in turn and ends with the median and
spread of their p50s, which the target is judged on. ``--render-ratio`` times each
drawing again with its crops drawn by one thread and with a helper thread drawing half of
them (``recognizer.normalize.normalize_many``), side by side.
Target (issue 11): p50 <= 10 ms.
"""
import argparse
import sys
import time

import numpy as np

from inkdigits.cli import _seeds

TARGET_MS = 10.0
DIGITS = 6


class Timed:
    """A callable that adds the seconds of each call of ``fn`` to ``seconds``."""

    def __init__(self, fn):
        self.fn = fn
        self.seconds = 0.0
        self.calls = 0
        self.items = 0     # length of the first argument, summed: groups or crops scored

    def __call__(self, *args):
        start = time.perf_counter()
        try:
            return self.fn(*args)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1
            self.items += len(args[0]) if args and hasattr(args[0], "__len__") else 0

    def __getattr__(self, name):   # the wrapped classifier's attributes (num_classes, model)
        return getattr(self.fn, name)

    def reset(self):
        self.seconds, self.calls, self.items = 0.0, 0, 0


def instrumented(model):
    """A NumberRecognizer whose classifier, ``score_groups``, ``score_paths`` and sequence
    reader are timed: (rec, cnn, score, paths, sequence)."""
    from recognizer.classifier import load_classifier
    from recognizer.number import NumberRecognizer

    cnn = Timed(load_classifier(model))
    rec = NumberRecognizer(model, classifier=cnn)
    score = Timed(rec.score_groups)
    rec.score_groups = score      # recognize looks them up on the instance
    paths = Timed(rec.score_paths)
    rec.score_paths = paths
    reader = rec.sequence_reader
    sequence = Timed(lambda ask, *args: ask(*args))     # an opinion's questions, timed
    if reader is not None:
        opinion = reader.opinion

        class Clocked:
            """An ``Opinion`` whose questions (network run on the first) are timed."""

            def __init__(self, ink):
                self.opinion = opinion(ink)

            def __call__(self, texts):
                return sequence(self.opinion, texts)

            def text(self):
                return sequence(self.opinion.text)

        reader.opinion = Clocked              # recognize looks it up on the instance
    return rec, cnn, score, paths, sequence


def measure(rec, cnn, score, paths, sequence, drawings, repeat):
    """(drawings, repeat, 6) seconds: total, score_groups, CNN, score_paths, the sequence
    reader, and groups scored per call."""
    for strokes in drawings:
        rec.recognize(strokes)
    out = np.zeros((len(drawings), repeat, 6))
    for r in range(repeat):
        for i, strokes in enumerate(drawings):
            for timed in (cnn, score, paths, sequence):
                timed.reset()
            start = time.perf_counter()
            rec.recognize(strokes)
            total = time.perf_counter() - start
            out[i, r] = (total, score.seconds, cnn.seconds, paths.seconds, sequence.seconds,
                         score.items)
    return out


def report(runs, scenario, repeat):
    """Text table of p50/p90 over drawings of each drawing's median time, in ms."""
    med = np.median(runs, axis=1)
    parts = {
        "total": med[:, 0],
        "validate + segmentation": med[:, 0] - med[:, 1] - med[:, 3] - med[:, 4],
        "crop rendering": med[:, 1] - med[:, 2],
        "CNN": med[:, 2],
        "pen-path reader": med[:, 3],
        "sequence reader": med[:, 4],
    }
    lines = [f"recognize, {DIGITS}-digit numbers ({scenario}, pendigits dev writers): "
             f"{len(runs)} drawings x {repeat} runs, median per drawing",
             f"{'':<24} {'p50 ms':>7} {'p90 ms':>7}"]
    for name, ms in parts.items():
        lines.append(f"{name:<24} {1e3 * np.percentile(ms, 50):>7.2f} "
                     f"{1e3 * np.percentile(ms, 90):>7.2f}")
    every = 1e3 * runs[:, :, 0].ravel()
    lines.append(f"{'every call':<24} {np.percentile(every, 50):>7.2f} "
                 f"{np.percentile(every, 90):>7.2f}")
    lines.append(f"candidate groups scored per drawing: median {np.median(med[:, 5]):.0f}, "
                 f"max {med[:, 5].max():.0f}; pen-path reader asked in "
                 f"{100 * np.mean(med[:, 3] > 0):.0f}% of drawings, sequence reader in "
                 f"{100 * np.mean(med[:, 4] > 0):.0f}%")
    p50 = 1e3 * np.percentile(med[:, 0], 50)
    verdict = "met" if p50 <= TARGET_MS else "NOT met"
    lines.append(f"target p50 <= {TARGET_MS:.0f} ms: {verdict} ({p50:.2f} ms)")
    return "\n".join(lines)


def sequence_ratio(rec, drawings, repeat):
    """Median per drawing of (time with the sequence reader) / (time without it), the two
    read alternately drawing by drawing, so a busy spell of the machine falls on both;
    and the p50s, in seconds."""
    import dataclasses

    from recognizer.number import NumberRecognizer

    off = NumberRecognizer(classifier=rec.classifier, path_reader=rec.path_reader,
                           config=dataclasses.replace(rec.config, sequence_weight=0.0))
    on = NumberRecognizer(classifier=rec.classifier, path_reader=rec.path_reader,
                          config=rec.config, sequence_reader=rec.sequence_reader)
    times = np.zeros((len(drawings), repeat, 2))
    for r in range(-1, repeat):                       # round -1 warms up
        for i, strokes in enumerate(drawings):
            for k, reader in enumerate((on, off)):
                start = time.perf_counter()
                reader.recognize(strokes)
                if r >= 0:
                    times[i, r, k] = time.perf_counter() - start
    med = np.median(times, axis=1)
    return float(np.median(med[:, 0] / med[:, 1])), np.percentile(med, 50, axis=0)


def render_ratio(rec, drawings, repeat):
    """Median per drawing of (time with the crops drawn by the caller alone) / (time with
    a helper thread drawing half of them, as shipped), read alternately drawing by
    drawing; and the two p50s, in seconds."""
    import recognizer.normalize as normalize

    shared = normalize.helpers
    times = np.zeros((len(drawings), repeat, 2))
    try:
        for r in range(-1, repeat):                   # round -1 warms up
            for i, strokes in enumerate(drawings):
                for k, pool in enumerate((lambda: None, shared)):
                    normalize.helpers = pool
                    start = time.perf_counter()
                    rec.recognize(strokes)
                    if r >= 0:
                        times[i, r, k] = time.perf_counter() - start
    finally:
        normalize.helpers = shared
    med = np.median(times, axis=1)
    return float(np.median(med[:, 0] / med[:, 1])), np.percentile(med, 50, axis=0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recognize", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model file (default: the shipped model)")
    parser.add_argument("--data", default=None, help="data directory (default: $INKDIGITS_DATA)")
    parser.add_argument("--count", type=int, default=40, help="distinct drawings")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per drawing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=_seeds, default=None,
                        help="several sets of drawings, e.g. 0-3: each seed's table, then "
                             "the median and spread of their p50s (judged against the target)")
    parser.add_argument("--scenario", default="clean", help="a training.compose scenario")
    parser.add_argument("--sequence-ratio", action="store_true",
                        help="also time each drawing with and without the sequence reader, "
                             "side by side")
    parser.add_argument("--render-ratio", action="store_true",
                        help="also time each drawing with its crops drawn by one thread and "
                             "with a helper thread (shipped), side by side")
    args = parser.parse_args(argv)

    from recognizer.classifier import ModelError
    from training.compose import generate, load_bank
    from training.data import DataError

    seeds = args.seeds or [args.seed]
    try:
        bank = load_bank(args.data)
        sets = [[s.strokes for s in generate(args.scenario, args.count, seed, bank=bank,
                                             n_digits=DIGITS)] for seed in seeds]
        rec, cnn, score, paths, sequence = instrumented(args.model)
    except (DataError, ModelError, ValueError) as exc:
        print(f"benchmarks.recognize: {exc}", file=sys.stderr)
        return 2
    print(f"model: {args.model or 'shipped'}")
    p50s = []
    for seed, drawings in zip(seeds, sets):
        runs = measure(rec, cnn, score, paths, sequence, drawings, args.repeat)
        if len(seeds) > 1:
            print(f"seed {seed}:")
        print(report(runs, args.scenario, args.repeat))
        p50s.append(1e3 * np.percentile(np.median(runs, axis=1)[:, 0], 50))
        if args.sequence_ratio and rec.sequence_reader is not None:
            ratio, (with_, without) = sequence_ratio(rec, drawings, args.repeat)
            print(f"side by side: p50 {1e3 * with_:.2f} ms with the sequence reader, "
                  f"{1e3 * without:.2f} ms without; median ratio per drawing {ratio:.2f}")
        if args.render_ratio:
            ratio, (alone, helped) = render_ratio(rec, drawings, args.repeat)
            print(f"side by side: p50 {1e3 * alone:.2f} ms with the crops drawn by one "
                  f"thread, {1e3 * helped:.2f} ms with a helper thread; median ratio per "
                  f"drawing {ratio:.2f}")
    if len(seeds) > 1:
        mid = float(np.median(p50s))
        print(f"p50 over seeds {', '.join(map(str, seeds))}: "
              f"{', '.join(f'{v:.2f}' for v in p50s)} ms; median {mid:.2f} "
              f"(spread {min(p50s):.2f}-{max(p50s):.2f})")
        print(f"target p50 <= {TARGET_MS:.0f} ms, median over seeds: "
              f"{'met' if mid <= TARGET_MS else 'NOT met'} ({mid:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
