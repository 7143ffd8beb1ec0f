"""``inkdigits finetune``: the shared digit CNN tuned on exported corrections, and the guard
that ships a model only when it is no worse than the one it replaces.

Corrections are untrusted input (anyone with the page can send them), so they enter
training capped per profile (``training.extra_ink``: a flood of wrong labels from one
browser counts as at most ``per_profile`` digits) and mixed with a replay of the original
training data. Whatever the recipe, the guard (``compare``) then reads the candidate and
the model it replaces side by side on MNIST test and on the ``dev`` writers of each pen
source (``training.splits``), prints the comparison, and refuses a candidate that is
worse on any of them by more than ``tolerance``. ``inkdigits train --extra-ink`` ends
with the same guard.
"""
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from recognizer.constants import NUM_CLASSES, NUM_DIGITS


@dataclass(frozen=True)
class FinetuneConfig:
    """The fine-tuning recipe (hand-set: small steps from the shipped weights) and the guard."""

    epochs: int = 2
    learning_rate: float = 1e-4   # a tenth of the training run's peak: move, do not forget
    batch_size: int = 128
    replay: int = 8               # original training crops per correction digit ...
    min_replay: int = 4000        # ... and at least this many
    per_profile: int = 50         # digits one profile may add (training.extra_ink)
    tolerance: float = 0.0        # percentage points the candidate may lose on a guard figure


def guard_sets(data, limit=None):
    """{name: (images, labels)} the guard reads: MNIST test and the pen ``dev`` writers of
    each source as crops of the whole digit. ``limit`` keeps the first that many of each
    (the tests' short form)."""
    from training.compose import SOURCES, load_digits
    from training.data import load_mnist
    from training.splits import select
    from recognizer.normalize import normalize_many

    x, y = load_mnist(data, "test")
    sets = {"MNIST test": (x[:limit], y[:limit])}
    for source in SOURCES:
        digits = select(load_digits(data, source), "dev")[:limit]
        sets[f"dev {source}"] = (normalize_many([d.strokes for d in digits]),
                                 np.array([d.label for d in digits]))
    return sets


def guard_figures(model, sets):
    """{name: accuracy %} of a Keras ``model`` on ``guard_sets``."""
    from training.evaluate import predict_probs

    return {name: 100.0 * float(np.mean(
                predict_probs(model, images)[:, :NUM_DIGITS].argmax(axis=1) == labels))
            for name, (images, labels) in sets.items()}


def compare(old, new, tolerance=0.0):
    """(rows, ok): per guard figure (name, old %, new %, change), and whether ``new``
    loses no more than ``tolerance`` points on any of them."""
    rows = [(name, old[name], new[name], new[name] - old[name]) for name in old]
    return rows, all(change >= -tolerance for *_, change in rows)


def format_comparison(rows, ok):
    lines = [f"{'':<16}{'replaced':>10}{'candidate':>11}{'change':>9}"]
    lines += [f"{name:<16}{a:>9.2f}%{b:>10.2f}%{d:>+8.2f}" for name, a, b, d in rows]
    lines.append("the candidate is no worse: shipped" if ok else
                 "the candidate is worse than the model it replaces: refused")
    return "\n".join(lines)


def guard(candidate_path, replaced_path, data, tolerance=0.0, limit=None, out=None):
    """Compare two saved models and print the table; True when the candidate may ship.
    A refused candidate is renamed ``*.refused.keras`` so that nothing loads it by mistake."""
    import keras

    sets = guard_sets(data, limit)      # read once, for both models
    old = guard_figures(keras.models.load_model(replaced_path, compile=False), sets)
    new = guard_figures(keras.models.load_model(candidate_path, compile=False), sets)
    rows, ok = compare(old, new, tolerance)
    print(format_comparison(rows, ok), file=out or sys.stdout, flush=True)
    report = {"replaced": str(replaced_path), "tolerance": tolerance, "limit": limit,
              "figures": [dict(zip(("set", "replaced", "candidate", "change"), r)) for r in rows],
              "shipped": ok}
    path = Path(candidate_path)
    path.with_name("guard.json").write_text(json.dumps(report, indent=1))
    if not ok:
        path.rename(path.with_name(path.stem + ".refused.keras"))
    return ok


def replay_crops(data, count, seed):
    """``count`` crops of the original training data: MNIST train and the pen ``train``
    writers' digits, half each (fewer pen crops when a source holds fewer)."""
    from training.data import load_mnist
    from training.pen_data import render_digits
    from training.train import train_digits

    rng = np.random.default_rng(seed)
    x, y = load_mnist(data, "train")
    pick = rng.choice(len(x), count - count // 2, replace=False)
    digits = train_digits(data)
    chosen = [digits[i] for i in rng.choice(len(digits), min(count // 2, len(digits)),
                                            replace=False)]
    px, py = render_digits(chosen, 1, seed)
    return np.concatenate([x[pick], px]), np.concatenate([y[pick], py])


def finetune(base_path, examples, data, config=FinetuneConfig(), seed=0, limit=None):
    """A copy of the Keras model at ``base_path`` trained further on ``examples`` ((strokes,
    digit) pairs) mixed with ``replay_crops``; returns the model."""
    import keras

    from recognizer.normalize import normalize_many
    from training.train import make_dataset

    keras.utils.set_random_seed(seed)
    model = keras.models.load_model(base_path, compile=False)
    ex = (normalize_many([s for s, _ in examples]), np.array([d for _, d in examples], np.uint8))
    n = max(config.min_replay, config.replay * len(examples))
    rx, ry = replay_crops(data, n if limit is None else min(n, limit), seed)
    x, y = np.concatenate([ex[0], rx]), np.concatenate([ex[1], ry])
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.05),
                  metrics=["accuracy"])
    steps = int(np.ceil(len(x) / config.batch_size))
    model.fit(make_dataset(x, y, config.batch_size, seed, True), steps_per_epoch=steps,
              epochs=config.epochs, verbose=2)
    assert model.output_shape[-1] == NUM_CLASSES
    return model


def main(args):
    """Entry point of ``inkdigits finetune``; returns the exit code (1: refused)."""
    from recognizer.classifier import SHIPPED_MODEL
    from training.data import DataError
    from training.extra_ink import load_extra_ink
    from training.train import save_for_inference

    config = FinetuneConfig(**{k: getattr(args, k) for k in asdict(FinetuneConfig())
                               if getattr(args, k, None) is not None})
    base = Path(args.base or SHIPPED_MODEL)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        examples, counts = load_extra_ink(args.extra_ink, per_profile=config.per_profile,
                                          with_counts=True)
    except (OSError, ValueError) as exc:
        print(f"inkdigits finetune: {exc}", file=sys.stderr)
        return 2
    print(f"{counts['digits']} digits of {counts['samples']} corrections used "
          f"({counts['capped']} left out by the cap of {config.per_profile} per profile, "
          f"{counts['unusable']} corrections unusable)", flush=True)
    if not examples:
        print("inkdigits finetune: no usable corrections", file=sys.stderr)
        return 2
    try:
        model = finetune(base, examples, args.data, config, args.seed, args.limit)
    except DataError as exc:
        print(f"inkdigits finetune: {exc}", file=sys.stderr)
        return 2
    candidate = out / "digits.keras"
    save_for_inference(model, candidate)
    ok = guard(candidate, base, args.data, config.tolerance, args.limit)
    return 0 if ok else 1
