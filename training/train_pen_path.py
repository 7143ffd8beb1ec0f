"""``inkdigits train-pen-path``: the pen-path reader, a small 1-D CNN over ``path_features``.

Trained on the ``train`` writers' pen digits of pendigits and UNIPEN (``training.splits``;
MNIST has no pen paths), each also drawn as random variants (``pen_data.pen_variant``):
slant, rotation, aspect, lead-ins and flags, fewer points or a coarse grid, and some drawn
backwards or with the strokes in another order. Label smoothing keeps its probabilities
modest, since the recognizer multiplies them into the image CNN's. The ``dev`` writers of
each source are read after training, for the card (``pen_path_card.json``).
"""
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np

from recognizer.constants import NUM_DIGITS
from recognizer.pen_path import PATH_FEATURES, PATH_POINTS, path_features_many
from training.splits import select, writer_id

MODEL_FILE = "pen_path.keras"
CARD_FILE = "pen_path_card.json"
REVERSED = 0.15         # share of variants drawn backwards (a 9 from the foot of its stem up)
REORDERED = 0.15        # share of multi-stroke variants with the strokes in another order


def build_path_model(dropout=0.3):
    """(None, 32, 5) pen-path features -> (None, 10) softmax over the digits."""
    import keras
    from keras import layers

    inputs = keras.Input((PATH_POINTS, PATH_FEATURES))
    x = layers.Conv1D(64, 5, padding="same", activation="relu")(inputs)
    x = layers.Conv1D(64, 5, padding="same", activation="relu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(128, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(NUM_DIGITS, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="inkdigits_pen_path")


def path_data(digits, variants, seed):
    """Features (N*variants, 32, 5) and labels of PenDigits: each as written, then
    ``variants - 1`` random variants."""
    from training.pen_data import pen_variant

    rng = np.random.default_rng(seed)
    groups, labels = [], []
    for d in digits:
        for v in range(variants):
            groups.append(d.strokes if v == 0 else other_order(pen_variant(d, rng), rng))
            labels.append(d.label)
    return path_features_many(groups), np.array(labels, np.int64)


def other_order(strokes, rng, reversed_share=REVERSED, reordered_share=REORDERED):
    """The strokes, sometimes each drawn backwards, sometimes in another order: writers
    differ in where they start (one of the 30 draws every 9 from the foot of its stem)."""
    if rng.random() < reversed_share:
        strokes = [s[::-1] for s in strokes]
    if len(strokes) > 1 and rng.random() < reordered_share:
        strokes = [strokes[i] for i in rng.permutation(len(strokes))]
    return strokes


def writer_metrics(model, digits):
    """Accuracy of ``model`` on PenDigits, overall, per writer and per digit."""
    if not digits:
        return None
    x, y = path_data(digits, 1, 0)
    pred = model.predict(x, batch_size=512, verbose=0).argmax(axis=1)
    writers = np.array([writer_id(d.writer) for d in digits])
    right = pred == y
    return {"digits": len(digits), "accuracy": float(right.mean()),
            "per_writer": {str(w): float(right[writers == w].mean()) for w in np.unique(writers)},
            "per_digit": {int(k): float(right[y == k].mean()) for k in np.unique(y)}}


def main(args):
    """Entry point of ``inkdigits train-pen-path``; returns the exit code."""
    import keras

    from training.data import DataError
    from training.compose import load_digits
    from training.report import file_info, git_state, versions
    from training.train import PEN_SOURCES, save_for_inference

    git = git_state()       # before training: the tree may change while it runs
    try:
        sources = getattr(args, "pen_source", None) or PEN_SOURCES
        digits = {src: load_digits(args.data, src) for src in sources}
        train = [d for src in sources for d in select(digits[src], "train")]
        dev = {src: select(digits[src], "dev") for src in sources}
    except DataError as exc:
        print(f"inkdigits train-pen-path: {exc}", file=sys.stderr)
        return 2
    if args.limit:
        train = [train[i] for i in np.random.default_rng(args.seed).permutation(len(train))]
        train = train[:args.limit]
    keras.utils.set_random_seed(args.seed)
    x, y = path_data(train, args.variants, args.seed)
    print(f"training on {len(x)} pen paths of {len(train)} digits", flush=True)
    model = build_path_model()
    steps = int(np.ceil(len(x) / args.batch_size)) * args.epochs
    model.compile(optimizer=keras.optimizers.Adam(
                      keras.optimizers.schedules.CosineDecay(1e-3, max(1, steps), alpha=0.05)),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                  metrics=["accuracy"])
    start = time.time()
    history = model.fit(x, keras.utils.to_categorical(y, NUM_DIGITS), batch_size=args.batch_size,
                        epochs=args.epochs, shuffle=True, verbose=2)
    seconds = time.time() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_for_inference(model, out / MODEL_FILE)
    dev_metrics = {src: writer_metrics(model, ds) for src, ds in dev.items()}
    card = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "inkdigits " + " ".join(getattr(args, "argv", sys.argv[1:])),
        "dev_writers": dev_metrics,
        "parameters": int(model.count_params()),
        "training_seconds": round(seconds, 1),
        "train_writers": sorted({writer_id(d.writer) for d in train}),
        "train": {"digits": len(train), "paths": len(x),
                  "final_epoch": {k: float(v[-1]) for k, v in history.history.items()}},
        "config": {k: v for k, v in vars(args).items() if k not in ("run", "argv")},
        "git": git,
        "versions": versions(),
        "model_file": file_info(out / MODEL_FILE),
    }
    (out / CARD_FILE).write_text(json.dumps(card, indent=1))
    for src, m in dev_metrics.items():
        if m:
            print(f"dev writers of {src}: {100 * m['accuracy']:.2f}% of {m['digits']} digits",
                  flush=True)
    print(f"saved {out / MODEL_FILE} after {seconds:.0f} s", flush=True)
    from training.train import _export

    _export(out / MODEL_FILE, paths=True)
    return 0
