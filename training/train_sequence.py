"""``inkdigits train-sequence``: the sequence reader, a 1-D CNN over a whole drawing's pen
path (``recognizer.sequence``), trained with CTC on numbers composed from the ``train``
writers of pendigits and UNIPEN (``training.compose``, ``training.splits``).

Every epoch composes fresh numbers (each scenario's layouts, slants, joins and delays,
``MIX``), so the network sees the same writers' digits in ever new numbers; the ``dev``
writers' numbers are read after training for the card (``sequence_card.json``).
"""
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np

from recognizer.sequence import BLANK, SEQUENCE_FEATURES, output_steps, sequence_features

MODEL_FILE = "sequence.keras"
CARD_FILE = "sequence_card.json"
MIX = {"single": 0.10, "clean": 0.25, "tight": 0.30, "delayed": 0.10, "long": 0.10,
       "mixed": 0.15}           # share of each scenario among the training numbers
UNIPEN_SHARE = 0.6              # numbers written by UNIPEN writers (the rest pendigits')
VARIED = 0.5                    # share of each epoch's digits drawn as a random variant
BATCH_POINTS = 24_000           # input points per batch, padding included


def build_sequence_model(width=96, dilations=(1, 2, 4, 1, 2, 4), dropout=0.1):
    """(None, None, 5) features -> (None, None, 11) logits, one step per 4 input points:
    two stride-2 layers, then residual dilated convolutions (a receptive field of about
    six digits), then a per-step dense layer (digits 0-9, then the blank)."""
    import keras
    from keras import layers

    inputs = keras.Input((None, SEQUENCE_FEATURES))
    x = layers.Conv1D(64, 5, padding="same", activation="relu")(inputs)
    x = layers.Conv1D(width, 5, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv1D(width, 5, strides=2, padding="same", activation="relu")(x)
    for d in dilations:
        y = layers.Conv1D(width, 5, dilation_rate=d, padding="same", activation="relu")(x)
        y = layers.Conv1D(width, 1)(layers.SpatialDropout1D(dropout)(y))
        x = layers.LayerNormalization()(layers.Add()([x, y]))
        x = layers.Activation("relu")(x)
    outputs = layers.Dense(BLANK + 1)(x)
    return keras.Model(inputs, outputs, name="inkdigits_sequence")


def varied_banks(banks, rng, share=VARIED):
    """``banks`` with ``share`` of the digits replaced by a random variant of themselves
    (``training.pen_data.pen_variant``: slant, rotation, aspect, lead-ins, flags and
    slashes, coarse devices), so that the network learns the writers' digits, not the
    few thousand samples it sees again in every epoch."""
    import dataclasses

    from training.pen_data import pen_variant

    def variant(d):
        strokes = tuple(np.column_stack([s, 10.0 * np.arange(len(s))])
                        for s in pen_variant(d, rng))
        return dataclasses.replace(d, strokes=strokes)

    return {src: {w: {lab: [variant(d) if rng.random() < share else d for d in ds]
                      for lab, ds in labels.items()} for w, labels in bank.items()}
            for src, bank in banks.items()}


def compose_numbers(banks, count, seed, mix=MIX):
    """``count`` composed numbers: scenarios in the shares of ``mix``, writers of
    ``banks`` (``{"pendigits": bank, "unipen": bank}``) in ``UNIPEN_SHARE``."""
    from training.compose import compose

    rng = np.random.default_rng(seed)
    names = list(mix)
    shares = np.array([mix[n] for n in names], np.float64)
    out = []
    for _ in range(count):
        scenario = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        source = "unipen" if ("unipen" in banks and (rng.random() < UNIPEN_SHARE
                                                      or "pendigits" not in banks)) else "pendigits"
        out.append(compose(banks[source], scenario, rng))
    return out


def encode(numbers):
    """Features and label sequences of composed numbers."""
    return ([sequence_features(c.strokes) for c in numbers],
            [np.array([int(ch) for ch in c.text], np.int32) for c in numbers])


def batches(features, labels, rng, batch_points=BATCH_POINTS):
    """Padded batches of numbers of like length, in random order: (x (B, T, 5), labels
    (B, L) padded with -1, label lengths, output lengths)."""
    order = np.argsort([len(f) for f in features], kind="stable")
    groups, current, longest = [], [], 0
    for i in order:
        longest = max(longest, len(features[i]))
        if current and longest * (len(current) + 1) > batch_points:
            groups.append(current)
            current, longest = [], len(features[i])
        current.append(i)
    if current:
        groups.append(current)
    for k in rng.permutation(len(groups)):
        idx = groups[k]
        t = max(len(features[i]) for i in idx)
        n = max(len(labels[i]) for i in idx)
        x = np.zeros((len(idx), t, SEQUENCE_FEATURES), np.float32)
        y = np.full((len(idx), n), -1, np.int32)
        for j, i in enumerate(idx):
            x[j, :len(features[i])] = features[i]
            y[j, :len(labels[i])] = labels[i]
        yield (x, y, np.array([len(labels[i]) for i in idx], np.int32),
               np.array([output_steps(len(features[i])) for i in idx], np.int32))


def ctc_loss(logits, labels, label_lengths, logit_lengths):
    """Mean CTC loss of a batch (``tf.nn.ctc_loss``, blank last)."""
    import tensorflow as tf

    return tf.reduce_mean(tf.nn.ctc_loss(
        labels=tf.maximum(labels, 0), logits=logits, label_length=label_lengths,
        logit_length=logit_lengths, logits_time_major=False, blank_index=BLANK))


def exact_rate(model, numbers):
    """Share of ``numbers`` whose best-path reading (``recognizer.sequence.best_path``)
    is their text."""
    from recognizer.sequence import best_path

    features, _ = encode(numbers)
    right = 0
    for f, c in zip(features, numbers):
        right += best_path(np.asarray(model(f[None], training=False))[0]) == c.text
    return right / max(len(numbers), 1)


def dev_exact(model, digits, count):
    """{source: {scenario: best-path exact share}} of ``count`` numbers composed from the
    ``dev`` writers of ``digits`` ({source: [PenDigit]}), printed as read: the card's."""
    from training.compose import bank_from_digits, generate
    from training.splits import select

    dev = {}
    for src, ds in digits.items():
        bank = bank_from_digits(select(ds, "dev"))
        if bank:
            dev[src] = {sc: exact_rate(model, generate(sc, count, 0, bank))
                        for sc in ("single", "clean", "tight")}
            print(f"dev writers of {src}, best-path exact: "
                  + ", ".join(f"{sc} {100 * v:.1f}%" for sc, v in dev[src].items()), flush=True)
    return dev


def export_beside(path):
    """The LiteRT export beside a saved reader, or a line saying why serving falls back."""
    from training.export import export_sequence_lite

    try:
        tflite, worst = export_sequence_lite(path)
        print(f"exported {tflite} (within {worst:.1e} of Keras)", flush=True)
    except (ImportError, ValueError) as exc:
        print(f"no LiteRT export ({exc}); serving falls back to Keras", flush=True)


def main(args):
    """Entry point of ``inkdigits train-sequence``; returns the exit code."""
    import keras
    import tensorflow as tf

    from training.compose import bank_from_digits, load_digits
    from training.data import DataError
    from training.report import file_info, git_state, versions
    from training.splits import select, writer_id
    from training.train import save_for_inference

    git = git_state()
    try:
        digits = {src: load_digits(args.data, src) for src in ("pendigits", "unipen")}
    except DataError as exc:
        print(f"inkdigits train-sequence: {exc}", file=sys.stderr)
        return 2
    train = {src: select(ds, "train") for src, ds in digits.items()}
    banks = {src: bank_from_digits(ds) for src, ds in train.items()}
    keras.utils.set_random_seed(args.seed)
    model = build_sequence_model(args.width, dropout=args.dropout)
    rng = np.random.default_rng(args.seed)
    def epoch_data(epoch):
        varied = varied_banks(banks, np.random.default_rng([args.seed, epoch, 1]), args.varied)
        return encode(compose_numbers(varied, args.numbers, [args.seed, epoch]))

    data = epoch_data(0)
    per_epoch = sum(1 for _ in batches(*data, np.random.default_rng(0)))
    steps_guess = args.epochs * per_epoch
    optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(
        0.0, steps_guess, warmup_target=args.learning_rate, warmup_steps=min(300, steps_guess),
        alpha=0.05), clipnorm=5.0)

    @tf.function(reduce_retracing=True)
    def step(x, y, ny, nt):
        with tf.GradientTape() as tape:
            loss = ctc_loss(model(x, training=True), y, ny, nt)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    start, history = time.time(), []
    for epoch in range(args.epochs):
        data = data if epoch == 0 else epoch_data(epoch)
        losses = [float(step(*batch)) for batch in batches(*data, rng)]
        history.append(float(np.mean(losses)))
        print(f"epoch {epoch + 1}/{args.epochs}: ctc loss {history[-1]:.4f} "
              f"({time.time() - start:.0f} s)", flush=True)
    seconds = time.time() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_for_inference(model, out / MODEL_FILE)
    dev = dev_exact(model, digits, args.dev_count)
    card = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "inkdigits " + " ".join(getattr(args, "argv", sys.argv[1:])),
        "dev_best_path_exact": dev,
        "parameters": int(model.count_params()),
        "training_seconds": round(seconds, 1),
        "train_writers": sorted({writer_id(d.writer) for ds in train.values() for d in ds}),
        "ctc_loss_per_epoch": history,
        "config": {k: v for k, v in vars(args).items() if k not in ("run", "argv")},
        "git": git,
        "versions": versions(),
        "model_file": file_info(out / MODEL_FILE),
    }
    (out / CARD_FILE).write_text(json.dumps(card, indent=1))
    print(f"saved {out / MODEL_FILE} after {seconds:.0f} s", flush=True)
    export_beside(out / MODEL_FILE)
    return 0
