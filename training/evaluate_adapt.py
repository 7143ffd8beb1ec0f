"""``inkdigits evaluate-adapt``: how much a writer's corrections help, writer by writer.

Protocol, for each writer: their digits are split in two by the order they were written
(the first half of each digit's samples teaches, the second half tests; no sample is in
both). Teaching numbers are composed from the first half, test numbers from the second,
in the ``clean`` and ``tight`` layouts of ``training.compose``. A simulated user writes
the teaching numbers in turn, reading each with their profile so far, and corrects every
misread one through ``NumberRecognizer.learn`` until ``--corrections`` corrections are
made. Then the test numbers are read without the profile and with the profile as it was
after 0, 1, 2, 5, 10 corrections (the curve; its last point is the final profile).

Writers: until ``training/splits.py`` lands, the dev writers are pendigits writers 26-30
(held out of training, ``training.pendigits.EVAL_WRITERS``); ``--writers`` picks others.
Accuracy is number exact-match, %.
"""
import json
import math
import sys
import time

import numpy as np

from training.compose import compose
from training.pendigits import load_pendigits
from training.splits import PENDIGITS_DEV

DEV_WRITERS = tuple(sorted(PENDIGITS_DEV))
LAYOUTS = ("clean", "tight")
CURVE = (0, 1, 2, 5, 10)
# The targets, with the profile after at most 10 corrections.
TARGETS = {"clean": 97.0, "tight": 94.0}
WORST_GAIN = 10.0        # mean gain (points) on the 10% worst writers
NO_WORSE = 0.5           # with a profile >= without - this, on every writer


def split_by_order(digits):
    """(teaching, test) banks ``{label: [PenDigit]}`` of one writer: for each digit, the
    first half of its samples (in the order written) and the rest."""
    by_label = {}
    for d in digits:
        by_label.setdefault(d.label, []).append(d)
    teach = {lab: ds[:len(ds) // 2] for lab, ds in sorted(by_label.items()) if len(ds) >= 2}
    test = {lab: ds[len(ds) // 2:] for lab, ds in sorted(by_label.items()) if len(ds) >= 2}
    return teach, test


def numbers(bank, writer, count, seed, layouts=LAYOUTS):
    """``count`` numbers of each layout written by ``writer`` from ``bank`` ({label: [...]}),
    as ``{layout: [Composed]}``; a teaching list interleaves the layouts."""
    out = {}
    for k, layout in enumerate(layouts):
        rng = np.random.default_rng([seed, writer, k])
        out[layout] = [compose({writer: bank}, layout, rng) for _ in range(count)]
    return out


def teach(rec, profile_cls, samples, max_corrections, curve=CURVE):
    """Write ``samples`` in turn, correcting misread ones; returns (snapshots {k: bytes}
    for k in ``curve`` up to the corrections made, corrections made, numbers written)."""
    profile = profile_cls()
    snapshots = {0: profile.to_bytes()}
    made, written = 0, 0
    for s in samples:
        if made >= max_corrections:
            break
        written += 1
        if rec.recognize(s.strokes, profile=profile).text != s.text:
            rec.learn(profile, s.strokes, s.text)
            made += 1
            if made in curve:
                snapshots[made] = profile.to_bytes()
    snapshots[made] = profile.to_bytes()
    return snapshots, made, written


def accuracy(rec, samples, profile=None):
    """Exact-match % of ``samples`` read with ``profile``."""
    right = sum(rec.recognize(s.strokes, profile=profile).text == s.text for s in samples)
    return 100.0 * right / max(len(samples), 1)


def evaluate_writer(rec, digits, writer, count, seed, max_corrections):
    """The protocol for one writer: a dict of corrections made, accuracy without and with
    the profile per layout, and the curve {k: {layout: accuracy}}."""
    from recognizer import Profile

    teach_bank, test_bank = split_by_order(digits)
    lessons = numbers(teach_bank, writer, 3 * count, seed)
    interleaved = [s for pair in zip(*lessons.values()) for s in pair]
    start = time.perf_counter()
    snapshots, made, written = teach(rec, Profile, interleaved, max_corrections)
    tests = numbers(test_bank, writer, count, seed + 1)
    read = {}                       # accuracy per snapshot, each read once

    def with_profile(k):
        have = max(j for j in snapshots if j <= k)   # fewer corrections were needed
        if have not in read:
            profile = Profile.from_bytes(snapshots[have])
            read[have] = {lay: accuracy(rec, tests[lay], profile) for lay in LAYOUTS}
        return read[have]

    curve = {k: with_profile(k) for k in CURVE}
    final = with_profile(made)
    without = {lay: accuracy(rec, tests[lay]) for lay in LAYOUTS}
    return {"writer": writer, "corrections": made, "taught_numbers": written,
            "without": without, "with": final,
            "curve": curve,
            "seconds": time.perf_counter() - start}


def summary(results):
    """Targets met or missed, over all writers evaluated."""
    both = lambda r, key: float(np.mean([r[key][lay] for lay in LAYOUTS]))  # noqa: E731
    worst = sorted(results, key=lambda r: both(r, "without"))
    n_worst = max(1, math.ceil(0.1 * len(results)))
    gain = float(np.mean([both(r, "with") - both(r, "without") for r in worst[:n_worst]]))
    out = {lay: {"min_with": min(r["with"][lay] for r in results), "target": t}
           for lay, t in TARGETS.items()}
    out["worst_writers"] = [r["writer"] for r in worst[:n_worst]]
    out["worst_gain"] = gain
    out["worse_writers"] = [r["writer"] for r in results for lay in LAYOUTS
                            if r["with"][lay] < r["without"][lay] - NO_WORSE]
    return out


def format_table(results, info):
    """Per writer: corrections, accuracy without/with per layout, the curve; then targets."""
    head = (f"{'writer':>6} {'fixes':>5} {'taught':>6} | " +
            " | ".join(f"{lay + ' w/o':>10} {'with':>6}" for lay in LAYOUTS) + " | curve " +
            " ".join(f"{k:>11}" for k in CURVE))
    lines = [head, "-" * len(head)]
    for r in results:
        cells = " | ".join(f"{r['without'][lay]:>10.1f} {r['with'][lay]:>6.1f}" for lay in LAYOUTS)
        curve = " ".join(f"{r['curve'][k]['clean']:>5.1f}/{r['curve'][k]['tight']:<5.1f}"
                         for k in CURVE)
        lines.append(f"{r['writer']:>6} {r['corrections']:>5} {r['taught_numbers']:>6} | "
                     f"{cells} |       {curve}")
    lines.append("curve: clean/tight exact % after 0, 1, 2, 5, 10 corrections")
    for lay, t in TARGETS.items():
        got = info[lay]["min_with"]
        lines.append(f"every writer >= {t:.0f}% on {lay} with the profile: "
                     f"{'met' if got >= t else 'NOT met'} (lowest {got:.1f}%)")
    lines.append(f"mean gain on the 10% worst writers ({', '.join(map(str, info['worst_writers']))}"
                 f", clean and tight): {info['worst_gain']:+.1f} points; target >= "
                 f"{WORST_GAIN:.0f}: {'met' if info['worst_gain'] >= WORST_GAIN else 'NOT met'}")
    worse = info["worse_writers"]
    lines.append(f"no writer worse by more than {NO_WORSE} points: "
                 + ("met" if not worse else f"NOT met ({', '.join(map(str, worse))})"))
    return "\n".join(lines)


def parse_writers(text):
    """'26,27' -> (26, 27)."""
    try:
        return tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise ValueError(f"--writers takes writer ids separated by commas, got {text!r}") from None


def main(args):
    """Entry point of ``inkdigits evaluate-adapt``; returns the exit status."""
    from recognizer import ModelError, NumberRecognizer
    from recognizer.adapt import AdaptConfig
    from training.data import DataError

    if args.split == "test" and args.writers is None:
        print("inkdigits evaluate-adapt: the test split comes with training/splits.py, which "
              "is not on this branch; pass --writers to name writers", file=sys.stderr)
        return 2
    try:
        writers = parse_writers(args.writers) if args.writers else DEV_WRITERS
        digits = load_pendigits(args.data)
        knobs = (("near", args.near), ("gain", args.gain), ("k", args.k))
        config = AdaptConfig(**{k: v for k, v in knobs if v is not None})
        rec = NumberRecognizer(args.model, adapt=config)
        mine = {w: [d for d in digits if d.writer == w] for w in writers}
        missing = [w for w, ds in mine.items() if not ds]
        if missing:
            raise ValueError(f"no pendigits digits of writer {missing[0]}")
        results = [evaluate_writer(rec, mine[w], w, args.count, args.seed, args.corrections)
                   for w in writers]
    except (DataError, ModelError, OSError, ValueError) as exc:
        print(f"inkdigits evaluate-adapt: {exc}", file=sys.stderr)
        return 2
    info = summary(results)
    if args.json:
        print(json.dumps({"writers": list(writers), "config": vars(config), "seed": args.seed,
                          "count": args.count, "results": results, "summary": info}, indent=1))
    else:
        print(f"pendigits writers {', '.join(map(str, writers))}"
              f"{' (dev: held out of training)' if writers == DEV_WRITERS else ''}; "
              f"{args.count} test numbers per layout and writer, seed {args.seed}, "
              f"at most {args.corrections} corrections, {config}")
        print(format_table(results, info))
    return 0
